"""The generated gRPC modules for containerd.proto (regenerate: python -m grpc_tools.protoc -I. --python_out=. --grpc_python_out=. containerd.proto, then make the _grpc import package-relative)."""
