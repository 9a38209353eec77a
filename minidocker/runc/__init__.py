"""minirunc: an OCI runtime, a drop-in for runc (cf. opencontainers/runc, libcontainer)."""
