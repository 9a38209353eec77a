"""minidocker-shim: one per container; parent of its process, keeper of its stdio and exit status (cf. containerd-shim-runc-v2)."""
