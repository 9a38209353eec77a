"""Data types only: the OCI image spec and runtime spec (cf. opencontainers/image-spec, runtime-spec)."""
