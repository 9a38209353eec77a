"""minidocker: a mini container engine split into Docker's processes (client, dockerd, containerd, shim, runc)."""

__version__ = "0.1.0"
