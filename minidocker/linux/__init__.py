"""The only place that talks to the kernel through ctypes and libc (cf. golang.org/x/sys/unix)."""
