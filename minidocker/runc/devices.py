"""The container's /dev: default device nodes, linux.devices, /dev/ptmx and the /dev/fd, stdin/out/err links
(cf. runc libcontainer/rootfs_linux.go createDevices, setupPtmx, setupDevSymlinks; runtime-spec config-linux.md)."""

from __future__ import annotations

import os
import stat

from ..oci.runtime import Device, Spec
from .rootfs import in_root

# The runtime spec's default devices: (path, major, minor), all character devices, mode 0666, in runc's
# order (specconv AllowedDevices): in a user namespace each is a bind mount, and the mount table shows the order.
DEFAULT = [("/dev/null", 1, 3), ("/dev/random", 1, 8), ("/dev/full", 1, 7), ("/dev/tty", 5, 0),
           ("/dev/zero", 1, 5), ("/dev/urandom", 1, 9)]

LINKS = [("/proc/self/fd", "/dev/fd"), ("/proc/self/fd/0", "/dev/stdin"), ("/proc/self/fd/1", "/dev/stdout"),
         ("/proc/self/fd/2", "/dev/stderr")]

_TYPES = {"c": stat.S_IFCHR, "u": stat.S_IFCHR, "b": stat.S_IFBLK, "p": stat.S_IFIFO}


def binds_dev(spec: Spec) -> bool:
    """A bind mount of the host's /dev replaces all of this (runc: "if /dev is a bind, skip devices")."""
    return any(mt.destination == "/dev" and ("bind" in mt.options or "rbind" in mt.options) for mt in spec.mounts)


def allow_entries(spec: Spec) -> list[str]:
    """The devices-cgroup entries that linux.devices add to the allow list (runc allows each listed device)."""
    return [_allow(d) for d in spec.linux.devices if d.type in ("c", "b", "u")]


def create(spec: Spec, rootfs: str, userns: bool = False) -> None:
    """Make the default and the listed device nodes, the ptmx symlink and the /proc/self/fd links.
    In a user namespace mknod is refused (EPERM): the host's nodes are bind-mounted instead, as runc does."""
    if binds_dev(spec):
        return
    make = _bind_host_node if userns else _mknod
    old = os.umask(0)  # modes exactly as asked, whatever the caller's umask
    try:
        for path, major, minor in DEFAULT:
            if not any(d.path == path for d in spec.linux.devices):
                make(rootfs, path, stat.S_IFCHR | 0o666, major, minor, 0, 0)
        for d in spec.linux.devices:
            make(rootfs, d.path, _TYPES[d.type] | (d.file_mode & 0o7777), d.major, d.minor, d.uid, d.gid)
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


def _bind_host_node(rootfs: str, path: str, mode: int, major: int, minor: int, uid: int, gid: int) -> None:
    """An empty file in the container's /dev with the host's node of the same path bound on it
    (cf. runc bindMountDeviceNode); its owner and mode are the host's."""
    from ..linux import mount as m

    dest = in_root(rootfs, path)
    os.makedirs(os.path.dirname(dest), 0o755, exist_ok=True)
    if not os.path.lexists(dest):
        os.close(os.open(dest, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o000))
    try:
        m.mount(path, dest, None, m.MS_BIND)
    except OSError as e:
        raise OSError(e.errno, f"bind-mounting the host's {path} (a user namespace may not mknod): {e.strerror}") from None


def _allow(d: Device) -> str:
    return f"{'b' if d.type == 'b' else 'c'} {d.major}:{d.minor} rwm"
