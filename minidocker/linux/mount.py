"""mount(2), umount2(2) and pivot_root(2) with their flags (cf. golang.org/x/sys/unix mount constants)."""

from __future__ import annotations

import ctypes

from .libc import check, libc, syscall

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_SYNCHRONOUS = 0x10
MS_REMOUNT = 0x20
MS_MANDLOCK = 0x40
MS_DIRSYNC = 0x80
MS_NOATIME = 0x400
MS_NODIRATIME = 0x800
MS_BIND = 0x1000
MS_MOVE = 0x2000
MS_REC = 0x4000
MS_SILENT = 0x8000
MS_UNBINDABLE = 1 << 17
MS_PRIVATE = 1 << 18
MS_SLAVE = 1 << 19
MS_SHARED = 1 << 20
MS_RELATIME = 1 << 21
MS_STRICTATIME = 1 << 24

MNT_FORCE = 1
MNT_DETACH = 2
MNT_EXPIRE = 4
UMOUNT_NOFOLLOW = 8

SYS_PIVOT_ROOT = 155  # x86_64


def _b(value: str | None) -> bytes | None:
    return value.encode() if value is not None else None


def mount(source: str | None, target: str, fstype: str | None = None, flags: int = 0, data: str | None = None) -> None:
    """mount(2): raises OSError naming the target on failure."""
    check(libc.mount(_b(source), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data)), f"mount {target}", target)


def umount(target: str, flags: int = 0) -> None:
    """umount2(2); MNT_DETACH detaches lazily, as runc does for the old root."""
    check(libc.umount2(_b(target), flags), f"umount {target}", target)


def pivot_root(new_root: str, put_old: str) -> None:
    """pivot_root(2): the new root must be a mount point not on a shared propagation tree."""
    syscall(SYS_PIVOT_ROOT, _b(new_root), _b(put_old), what=f"pivot_root {new_root}")
