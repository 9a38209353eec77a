"""The container's root filesystem: mounts, pivot_root, masked and read-only paths (cf. runc libcontainer/rootfs_linux.go).

Runs in the init process, inside its new mount namespace, before and after the switch of root.
"""

from __future__ import annotations

import errno
import os
import stat

from ..errors import InvalidArgument, RuntimeFailure
from ..linux import mount as m
from ..linux import namespaces as ns
from ..oci.runtime import Mount, Spec
from . import mountopts
from .cgroups import UNIFIED, hierarchies, is_unified, own_cgroups


def in_root(root: str, path: str) -> str:
    """`path` resolved inside `root`, following symlinks as if root were / (cf. filepath-securejoin):
    a symlink in the image such as /proc -> /etc or ../../.. can never lead a mount out of the rootfs."""
    parts = [p for p in path.split("/") if p]
    done: list[str] = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == ".":
            continue
        if part == "..":
            if done:
                done.pop()
            continue
        current = os.path.join(root, *done, part)
        if os.path.islink(current):
            hops += 1
            if hops > 255:
                raise InvalidArgument(f"too many symlinks resolving {path} in the rootfs")
            target = os.readlink(current)
            if target.startswith("/"):
                done = []
            parts = [p for p in target.split("/") if p] + parts
            continue
        done.append(part)
    return os.path.join(root, *done)


def prepare(spec: Spec, rootfs: str) -> None:
    """Set the propagation of / in the new mount namespace and make the rootfs a mount point (pivot_root
    needs one). Without linux.rootfsPropagation, as runc: / becomes rslave, so host mounts still reach
    the container's copies (what a volume's rslave/rshared option relies on) and nothing flows back.
    With it, as crun: / gets that propagation, the rootfs's parent mount is made private and the
    rootfs a private mount of its own (pivot_root refuses shared ones), and after the switch the new /
    gets the propagation asked for (apply_root_propagation)."""
    propagation = spec.linux.rootfs_propagation
    m.mount(None, "/", None, mountopts.root_propagation(propagation))
    if propagation:
        _parent_private(rootfs)
    m.mount(rootfs, rootfs, None, m.MS_BIND | m.MS_REC)
    if propagation:
        m.mount(None, rootfs, None, m.MS_PRIVATE | m.MS_REC)


def _parent_private(path: str) -> None:
    """Make the mount that holds `path` private (not recursive): EINVAL means `path` is no mount point,
    so try its parent directory, up to / (cf. crun make_parent_mount_private, runc rootfsParentMountPrivate)."""
    while True:
        try:
            m.mount(None, path, None, m.MS_PRIVATE)
            return
        except OSError as e:
            if e.errno != 22 or path == "/":
                raise
        path = os.path.dirname(path)


def apply_root_propagation(spec: Spec) -> None:
    """After the switch: linux.rootfsPropagation on the new / (as crun does; runc 1.1 applies it only to
    the host's / copy, so its containers never see a shared or slave root). Without the field the mounts
    keep the propagation their own options gave them."""
    if spec.linux.rootfs_propagation:
        m.mount(None, "/", None, mountopts.root_propagation(spec.linux.rootfs_propagation))


def mount_all(spec: Spec, rootfs: str, cgroup_paths: dict[str, str], cgroupns: bool) -> None:
    for mnt in spec.mounts:
        flags, propagation, data = mountopts.parse(mnt.options)
        dest = in_root(rootfs, mnt.destination)
        if flags & m.MS_BIND:
            _bind(mnt, dest, flags, data)
        elif mnt.type == "cgroup" or mnt.type == "cgroup2":
            _cgroup(dest, flags, cgroup_paths, cgroupns)
        else:
            _filesystem(mnt, dest, flags, data, has_netns=spec.linux.namespace("network") is not None)
        for p in propagation:
            m.mount(None, dest, None, p)


def _mkdir(path: str) -> None:
    try:
        os.makedirs(path, 0o755, exist_ok=True)
    except OSError as e:
        raise RuntimeFailure(f"cannot make mount point {path}: {e.strerror}") from None


def _bind(mnt: Mount, dest: str, flags: int, data: str) -> None:
    try:
        source_is_dir = os.path.isdir(mnt.source)
        os.stat(mnt.source)
    except FileNotFoundError:
        raise InvalidArgument(f"mount {mnt.destination}: bind source {mnt.source} does not exist") from None
    if source_is_dir:
        _mkdir(dest)
    elif not os.path.exists(dest):
        _mkdir(os.path.dirname(dest))
        open(dest, "a").close()
    m.mount(mnt.source, dest, None, flags & (m.MS_BIND | m.MS_REC))
    # A bind mount ignores every flag but MS_REC: ro, nosuid ... need a second, remounting call.
    if flags & ~(m.MS_BIND | m.MS_REC | m.MS_REMOUNT):
        m.mount(None, dest, None, flags | m.MS_REMOUNT | mountopts.locked_flags(dest))


def _filesystem(mnt: Mount, dest: str, flags: int, data: str, has_netns: bool) -> None:
    _mkdir(dest)
    ro_later = mnt.type == "tmpfs" and flags & m.MS_RDONLY
    try:
        m.mount(mnt.source or mnt.type, dest, mnt.type, flags & ~m.MS_RDONLY if ro_later else flags, data or None)
    except OSError as e:
        if mnt.type == "sysfs" and not has_netns:
            # sysfs can only be mounted by the owner of the network namespace: share the host's, read-only.
            m.mount("/sys", dest, None, m.MS_BIND | m.MS_REC)
            m.mount(None, dest, None, m.MS_BIND | m.MS_REMOUNT | m.MS_RDONLY | flags)
            return
        unmapped_gid = mnt.type == "devpts" and e.errno == errno.EINVAL and "gid=" in (data or "")
        if unmapped_gid and ns.in_user_namespace():
            # A user namespace mapping one id has no group 5 (tty): devpts refuses gid=5 there. Without it,
            # as runc's specconv.ToRootless and podman do for such a namespace.
            data = ",".join(o for o in data.split(",") if not o.startswith("gid="))
            m.mount(mnt.source or mnt.type, dest, mnt.type, flags, data or None)
            return
        raise RuntimeFailure(f"mount {mnt.type} on {mnt.destination}: {e.strerror}") from None
    if ro_later:
        m.mount(None, dest, None, flags | m.MS_REMOUNT)


def _cgroup(dest: str, flags: int, paths: dict[str, str], cgroupns: bool) -> None:
    """/sys/fs/cgroup as runc lays it out: in v1 a tmpfs with one directory per hierarchy showing only the
    container's own cgroup (a bind mount of it, or a fresh cgroup mount inside a cgroup namespace).
    In v2 without a cgroup namespace runc 1.1 mounts the whole cgroup2 tree; we bind only the
    container's own cgroup, so a container never sees its neighbours' cgroups."""
    _mkdir(dest)
    paths = _with_inherited(paths)
    if is_unified():
        if cgroupns:
            m.mount("cgroup2", dest, "cgroup2", flags)
        else:
            m.mount(paths[UNIFIED], dest, None, m.MS_BIND | m.MS_REC)
            m.mount(None, dest, None, m.MS_BIND | m.MS_REMOUNT | flags)
        return
    m.mount("tmpfs", dest, "tmpfs", flags & ~m.MS_RDONLY, "mode=755")
    points = hierarchies()
    for key, path in paths.items():
        if key == UNIFIED:
            continue  # runc does not show the hybrid v2 hierarchy inside v1 containers
        name = os.path.basename(points[key])
        sub = os.path.join(dest, name)
        _mkdir(sub)
        if cgroupns:
            m.mount("cgroup", sub, "cgroup", flags, key)
        else:
            m.mount(path, sub, None, m.MS_BIND | m.MS_REC)
            m.mount(None, sub, None, m.MS_BIND | m.MS_REMOUNT | flags)
        if "," in name:  # cpu,cpuacct: runc adds cpu -> cpu,cpuacct and cpuacct -> cpu,cpuacct
            for part in name.split(","):
                os.symlink(name, os.path.join(dest, part))
    if flags & m.MS_RDONLY:
        os.chmod(dest, 0o555)


def _with_inherited(paths: dict[str, str]) -> dict[str, str]:
    """The init's cgroup in every hierarchy: the container's own, or, in one a rootless runtime could not make
    (cgroups.create dropped it), the cgroup the init inherited, which runc binds just the same (its mount
    code reads the init's own cgroup paths)."""
    own, out = own_cgroups(), dict(paths)
    for key, point in hierarchies().items():
        if key not in out and key in own:
            out[key] = os.path.normpath(point + "/" + own[key].lstrip("/"))
    return out


def pivot(rootfs: str) -> None:
    """pivot_root(".", ".") stacks the old root under the new one; detaching it leaves no path back to the
    host's files and no directory to clean up (cf. runc pivotRoot). Not chroot: chroot can be escaped."""
    old = os.open("/", os.O_DIRECTORY | os.O_RDONLY)
    new = os.open(rootfs, os.O_DIRECTORY | os.O_RDONLY)
    try:
        os.fchdir(new)
        m.pivot_root(".", ".")
        os.fchdir(old)
        # Make the old root a slave first so that detaching it cannot propagate to the host.
        m.mount(None, ".", None, m.MS_SLAVE | m.MS_REC)
        m.umount(".", m.MNT_DETACH)
    finally:
        os.close(old)
        os.close(new)
    os.chdir("/")


def chroot(rootfs: str) -> None:
    """No mount namespace of its own: change the root directory only (runc's chroot())."""
    os.chroot(rootfs)
    os.chdir("/")


def move_root(rootfs: str) -> None:
    """--no-pivot: move the rootfs over / and chroot (for ramdisks, where pivot_root is impossible)."""
    os.chdir(rootfs)
    m.mount(rootfs, "/", None, m.MS_MOVE)
    os.chroot(".")
    os.chdir("/")


def readonly_path(path: str) -> None:
    """Bind a path onto itself and remount it read-only (linux.readonlyPaths); missing paths are skipped."""
    if not os.path.exists(path):
        return
    m.mount(path, path, None, m.MS_BIND | m.MS_REC)
    m.mount(None, path, None, m.MS_BIND | m.MS_REMOUNT | m.MS_RDONLY | mountopts.locked_flags(path))


def mask_path(path: str) -> None:
    """Hide a path (linux.maskedPaths): /dev/null over a file, an empty read-only tmpfs over a directory."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        m.mount("tmpfs", path, "tmpfs", m.MS_RDONLY)
    else:
        m.mount("/dev/null", path, None, m.MS_BIND)


def readonly_root() -> None:
    """root.readonly: remount / read-only, keeping the flags it already has."""
    m.mount(None, "/", None, m.MS_BIND | m.MS_REMOUNT | m.MS_RDONLY | mountopts.locked_flags("/"))
