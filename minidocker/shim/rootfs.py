"""Mounting a container's root filesystem at <bundle>/rootfs before the runtime's create, and
unmounting it after delete (cf. containerd core/mount, as containerd-shim-runc-v2 uses it).

The mounts come from the snapshotter as plain dicts on the wire: an overlay
(lowerdir/upperdir/workdir options) or a bind; linux/mountall.py performs them.
"""

from __future__ import annotations

import os


def mount_all(mounts: list[dict], target: str) -> None:
    """Mount each of `mounts` at `target`, in order; on failure nothing stays mounted."""
    if not mounts:
        return
    from ..linux.mountall import mount_all as perform

    perform([_Mount(m) for m in mounts], target)


class _Mount:
    """The .type/.source/.options view mountall wants (oci.mount.Mount would pull in dataclasses
    and typing: a megabyte of RSS in every shim)."""

    __slots__ = ("type", "source", "options")

    def __init__(self, m: dict) -> None:
        self.type = m.get("type") or ""
        self.source = m.get("source") or ""
        self.options = list(m.get("options") or [])


def unmount_all(target: str) -> None:
    """Unmount everything stacked at `target`, lazily (MNT_DETACH) if something still holds it busy."""
    import errno

    from ..linux.mountall import unmount_all as perform

    if not os.path.isdir(target):
        return
    try:
        perform(target)
    except OSError as err:
        if err.errno != errno.EBUSY:
            raise
        from ..linux.mount import MNT_DETACH

        perform(target, MNT_DETACH)


def is_mounted(target: str) -> bool:
    """Whether something is mounted at `target`, from /proc/self/mountinfo (os.path.ismount misses a bind
    mount from the same filesystem: same device, so it cannot tell)."""
    want = os.path.realpath(target)
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split(" ", 5)[4]
            if "\\" in point:  # spaces and the like are octal-escaped: "\040"
                point = point.encode().decode("unicode_escape")
            if point == want:
                return True
    return False
