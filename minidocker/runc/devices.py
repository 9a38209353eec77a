"""The container's /dev: default device nodes, linux.devices, /dev/ptmx and the /dev/fd, stdin/out/err links
(cf. runc libcontainer/rootfs_linux.go createDevices, setupPtmx, setupDevSymlinks; runtime-spec config-linux.md)."""

from __future__ import annotations

import os
import stat

from ..oci.runtime import Device, Spec
from .rootfs import in_root

# The runtime spec's default devices: (path, major, minor), all character devices, mode 0666.
DEFAULT = [("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7), ("/dev/random", 1, 8),
           ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0)]

LINKS = [("/proc/self/fd", "/dev/fd"), ("/proc/self/fd/0", "/dev/stdin"), ("/proc/self/fd/1", "/dev/stdout"),
         ("/proc/self/fd/2", "/dev/stderr")]

_TYPES = {"c": stat.S_IFCHR, "u": stat.S_IFCHR, "b": stat.S_IFBLK, "p": stat.S_IFIFO}


def binds_dev(spec: Spec) -> bool:
    """A bind mount of the host's /dev replaces all of this (runc: "if /dev is a bind, skip devices")."""
    return any(mt.destination == "/dev" and ("bind" in mt.options or "rbind" in mt.options) for mt in spec.mounts)


def allow_entries(spec: Spec) -> list[str]:
    """The devices-cgroup entries that linux.devices add to the allow list (runc allows each listed device)."""
    return [_allow(d) for d in spec.linux.devices if d.type in ("c", "b", "u")]


def create(spec: Spec, rootfs: str) -> None:
    """Make the default and the listed device nodes, the ptmx symlink and the /proc/self/fd links."""
    if binds_dev(spec):
        return
    old = os.umask(0)  # modes exactly as asked, whatever the caller's umask
    try:
        for path, major, minor in DEFAULT:
            if not any(d.path == path for d in spec.linux.devices):
                _mknod(rootfs, path, stat.S_IFCHR | 0o666, major, minor, 0, 0)
        for d in spec.linux.devices:
            _mknod(rootfs, d.path, _TYPES[d.type] | (d.file_mode & 0o7777), d.major, d.minor, d.uid, d.gid)
    finally:
        os.umask(old)
    ptmx = in_root(rootfs, "/dev/ptmx")
    if os.path.lexists(ptmx):
        os.unlink(ptmx)
    os.symlink("pts/ptmx", ptmx)  # the ptmx of the container's own devpts instance (newinstance)
    for target, link in LINKS + ([("/proc/kcore", "/dev/core")] if os.path.exists("/proc/kcore") else []):
        path = in_root(rootfs, link)
        if not os.path.lexists(path):
            os.symlink(target, path)


def _mknod(rootfs: str, path: str, mode: int, major: int, minor: int, uid: int, gid: int) -> None:
    dest = in_root(rootfs, path)
    os.makedirs(os.path.dirname(dest), 0o755, exist_ok=True)
    if os.path.lexists(dest):
        os.unlink(dest)
    os.mknod(dest, mode, os.makedev(major, minor))
    os.chown(dest, uid, gid)


def _allow(d: Device) -> str:
    return f"{'b' if d.type == 'b' else 'c'} {d.major}:{d.minor} rwm"
