"""The new mount API (fsopen, fsconfig, fsmount, move_mount) for overlays too long for mount(2) (cf. Linux Documentation/filesystems/mount_api.rst).

mount(2) copies at most one page (4096 bytes) of option data, so an overlay over many layers with long
paths does not fit in "lowerdir=a:b:c...". Since Linux 6.8 overlayfs takes one "lowerdir+" per layer
through fsconfig(2), with no length limit. containerd works around the same limit with short relative
paths after a chdir; a per-layer key avoids changing the process's working directory.
"""

from __future__ import annotations

import ctypes
import os

from .libc import syscall

SYS_MOVE_MOUNT, SYS_FSOPEN, SYS_FSCONFIG, SYS_FSMOUNT = 429, 430, 431, 432  # x86_64
FSOPEN_CLOEXEC = 1
FSMOUNT_CLOEXEC = 1
FSCONFIG_SET_FLAG, FSCONFIG_SET_STRING, FSCONFIG_SET_FD, FSCONFIG_CMD_CREATE = 0, 1, 5, 6
_MAX_STRING = 255  # fsconfig copies at most 256 bytes of a string value
_DIR_KEYS = ("lowerdir+", "upperdir", "workdir")  # overlay takes these as O_PATH fds too (Linux 6.13)
MOVE_MOUNT_F_EMPTY_PATH = 4
AT_FDCWD = -100
MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID, MOUNT_ATTR_NODEV, MOUNT_ATTR_NOEXEC = 0x1, 0x2, 0x4, 0x8
MOUNT_ATTR_NOATIME, MOUNT_ATTR_NODIRATIME = 0x10, 0x80


def _L(v: int) -> ctypes.c_long:
    return ctypes.c_long(v)


def _set(fs: int, key: str, value: str) -> None:
    if key in _DIR_KEYS and len(value.encode()) > _MAX_STRING:
        fd = os.open(value, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)  # a path too long for a string value
        try:
            syscall(SYS_FSCONFIG, _L(fs), _L(FSCONFIG_SET_FD), key.encode(), None, _L(fd), what=f"fsconfig {key}={value}")
        finally:
            os.close(fd)
        return
    syscall(SYS_FSCONFIG, _L(fs), _L(FSCONFIG_SET_STRING), key.encode(), value.encode(), _L(0),
            what=f"fsconfig {key}={value}")


def mount_fs(fstype: str, target: str, options: list[str], attrs: int = 0) -> None:
    """Create a filesystem of fstype with one fsconfig call per option and attach it at target.

    options: "key=value" strings (set as strings), "key" alone (set as a flag); "lowerdir=a:b" is
    split into one "lowerdir+" per directory.
    """
    fs = syscall(SYS_FSOPEN, fstype.encode(), _L(FSOPEN_CLOEXEC), what=f"fsopen {fstype}")
    try:
        for opt in options:
            key, sep, value = opt.partition("=")
            if key == "lowerdir" and sep:
                for d in value.split(":"):
                    _set(fs, "lowerdir+", d)
            elif sep:
                _set(fs, key, value)
            else:
                syscall(SYS_FSCONFIG, _L(fs), _L(FSCONFIG_SET_FLAG), key.encode(), None, _L(0),
                        what=f"fsconfig {opt}")
        syscall(SYS_FSCONFIG, _L(fs), _L(FSCONFIG_CMD_CREATE), None, None, _L(0), what=f"fsconfig create {fstype}")
        mnt = syscall(SYS_FSMOUNT, _L(fs), _L(FSMOUNT_CLOEXEC), _L(attrs), what=f"fsmount {fstype}")
        try:
            syscall(SYS_MOVE_MOUNT, _L(mnt), b"", _L(AT_FDCWD), target.encode(), _L(MOVE_MOUNT_F_EMPTY_PATH),
                    what=f"move_mount {target}")
        finally:
            os.close(mnt)
    finally:
        os.close(fs)
