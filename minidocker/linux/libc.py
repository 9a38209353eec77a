"""The libc handle and errno-checked calls that every other module in linux/ builds on."""

from __future__ import annotations

import ctypes
import os


def _load() -> ctypes.CDLL:
    """glibc by its soname first: ctypes.util.find_library forks `ldconfig -p` (milliseconds on every
    start of minirunc) and imports subprocess and tempfile."""
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        from ctypes.util import find_library

        return ctypes.CDLL(find_library("c"), use_errno=True)


libc = _load()

libc.syscall.restype = ctypes.c_long


def check(result: int, what: str, path: str | None = None) -> int:
    """Raise OSError with the C errno when a libc call returned -1, as the os module does."""
    if result == -1:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}", path)
    return result


def syscall(number: int, *args: object, what: str = "syscall") -> int:
    """A raw system call (for those libc does not wrap, such as pivot_root)."""
    return check(libc.syscall(ctypes.c_long(number), *args), what)
