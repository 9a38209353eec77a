"""Perform a list of snapshotter mounts onto a target, and undo them (cf. containerd core/mount/mount_linux.go).

mount_all([Mount("overlay", "overlay", ["workdir=W", "upperdir=U", "lowerdir=L1:L2"])], "/x/rootfs")
mount_all([Mount("bind", "/snap/1/fs", ["ro", "rbind"])], "/x/rootfs")
unmount_all("/x/rootfs")
Options that are mount(2) flags ("ro", "nosuid", "rbind", ...) become flags; the rest ("lowerdir=...",
"index=off") is the filesystem's data string; when that is longer than mount(2) takes (one page, e.g.
an overlay of many layers), it goes through fsconfig(2) instead (fsmount.py). Mounts stack in order on the target.
"""

from __future__ import annotations

import errno
import os

from . import mount as m

# option -> (clear?, flag): "rw" clears MS_RDONLY, as in mount(8)
_FLAGS: dict[str, tuple[bool, int]] = {
    "ro": (False, m.MS_RDONLY), "rw": (True, m.MS_RDONLY),
    "nosuid": (False, m.MS_NOSUID), "suid": (True, m.MS_NOSUID),
    "nodev": (False, m.MS_NODEV), "dev": (True, m.MS_NODEV),
    "noexec": (False, m.MS_NOEXEC), "exec": (True, m.MS_NOEXEC),
    "sync": (False, m.MS_SYNCHRONOUS), "async": (True, m.MS_SYNCHRONOUS),
    "dirsync": (False, m.MS_DIRSYNC), "remount": (False, m.MS_REMOUNT),
    "noatime": (False, m.MS_NOATIME), "atime": (True, m.MS_NOATIME),
    "nodiratime": (False, m.MS_NODIRATIME), "diratime": (True, m.MS_NODIRATIME),
    "relatime": (False, m.MS_RELATIME), "norelatime": (True, m.MS_RELATIME),
    "strictatime": (False, m.MS_STRICTATIME),
    "bind": (False, m.MS_BIND), "rbind": (False, m.MS_BIND | m.MS_REC),
    "defaults": (False, 0),
}
_PROPAGATION = {"private": m.MS_PRIVATE, "rprivate": m.MS_PRIVATE | m.MS_REC, "shared": m.MS_SHARED,
                "rshared": m.MS_SHARED | m.MS_REC, "slave": m.MS_SLAVE, "rslave": m.MS_SLAVE | m.MS_REC,
                "unbindable": m.MS_UNBINDABLE, "runbindable": m.MS_UNBINDABLE | m.MS_REC}


_PAGE = os.sysconf("SC_PAGE_SIZE")


def _attrs(flags: int) -> int:
    """MS_* flags -> MOUNT_ATTR_* for fsmount(2)."""
    from . import fsmount as f

    pairs = ((m.MS_RDONLY, f.MOUNT_ATTR_RDONLY), (m.MS_NOSUID, f.MOUNT_ATTR_NOSUID), (m.MS_NODEV, f.MOUNT_ATTR_NODEV),
             (m.MS_NOEXEC, f.MOUNT_ATTR_NOEXEC), (m.MS_NOATIME, f.MOUNT_ATTR_NOATIME),
             (m.MS_NODIRATIME, f.MOUNT_ATTR_NODIRATIME))
    return sum(attr for flag, attr in pairs if flags & flag)


def parse_options(options: list[str]) -> tuple[int, int, str]:
    """(flags, propagation flags, data string) for a list of mount options."""
    flags, prop, data = 0, 0, []
    for opt in options:
        if opt in _FLAGS:
            clear, flag = _FLAGS[opt]
            flags = flags & ~flag if clear else flags | flag
        elif opt in _PROPAGATION:
            prop |= _PROPAGATION[opt]
        else:
            data.append(opt)
    return flags, prop, ",".join(data)


def mount_one(mnt, target: str) -> None:
    """One Mount (anything with .type, .source, .options) onto target."""
    flags, prop, data = parse_options(list(mnt.options))
    fstype = None if mnt.type == "bind" else mnt.type
    if flags & m.MS_BIND:
        # A bind mount ignores most flags on creation: bind first, then remount to apply ro/nosuid/...
        m.mount(mnt.source, target, None, flags & (m.MS_BIND | m.MS_REC), None)
        extra = flags & ~(m.MS_BIND | m.MS_REC)
        if extra:
            m.mount("", target, None, extra | m.MS_BIND | m.MS_REMOUNT, None)
    elif len(data) >= _PAGE - 1:
        # too long for mount(2), which copies one page of options: use fsconfig(2), one key per option
        from .fsmount import mount_fs

        mount_fs(mnt.type, target, data.split(","), _attrs(flags))
    else:
        m.mount(mnt.source, target, fstype, flags, data or None)
    if prop:
        m.mount("", target, None, prop, None)


def mount_all(mounts: list, target: str | os.PathLike) -> None:
    """Mount every entry in order onto target; on failure, undo the ones already made and re-raise."""
    target = os.fspath(target)
    done = 0
    try:
        for mnt in mounts:
            mount_one(mnt, target)
            done += 1
    except BaseException:
        for _ in range(done):
            unmount(target)
        raise


def unmount(target: str | os.PathLike, flags: int = 0) -> bool:
    """Unmount the top mount on target; False when nothing was mounted there (EINVAL) or it is gone."""
    try:
        m.umount(os.fspath(target), flags | m.UMOUNT_NOFOLLOW)
        return True
    except OSError as exc:
        if exc.errno in (errno.EINVAL, errno.ENOENT):
            return False
        raise


def unmount_all(target: str | os.PathLike, flags: int = 0) -> int:
    """Unmount everything stacked on target (containerd's UnmountAll loop); returns how many were removed."""
    count = 0
    while unmount(target, flags):
        count += 1
        if count > 1000:  # a mount that keeps reappearing means propagation gone wrong; don't spin forever
            raise OSError(errno.EBUSY, f"unmount_all {target}: mounts keep reappearing")
    return count
