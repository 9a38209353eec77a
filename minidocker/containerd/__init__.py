"""minicontainerd: containers, tasks, content and snapshots behind a gRPC API (cf. containerd)."""
