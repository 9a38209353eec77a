"""Mount options of config.json -> mount(2) flags, propagation and data (cf. runc libcontainer/specconv parseMountOptions)."""

from __future__ import annotations

from ..linux import mount as m

# option -> (clear?, flag): "ro" sets MS_RDONLY, "rw" clears it, as mount(8) reads them.
FLAGS: dict[str, tuple[bool, int]] = {
    "async": (True, m.MS_SYNCHRONOUS), "atime": (True, m.MS_NOATIME), "bind": (False, m.MS_BIND),
    "defaults": (False, 0), "dev": (True, m.MS_NODEV), "diratime": (True, m.MS_NODIRATIME),
    "dirsync": (False, m.MS_DIRSYNC), "exec": (True, m.MS_NOEXEC), "loud": (True, m.MS_SILENT),
    "mand": (False, m.MS_MANDLOCK), "noatime": (False, m.MS_NOATIME), "nodev": (False, m.MS_NODEV),
    "nodiratime": (False, m.MS_NODIRATIME), "noexec": (False, m.MS_NOEXEC), "nomand": (True, m.MS_MANDLOCK),
    "norelatime": (True, m.MS_RELATIME), "nostrictatime": (True, m.MS_STRICTATIME),
    "nosuid": (False, m.MS_NOSUID), "rbind": (False, m.MS_BIND | m.MS_REC), "relatime": (False, m.MS_RELATIME),
    "remount": (False, m.MS_REMOUNT), "ro": (False, m.MS_RDONLY), "rw": (True, m.MS_RDONLY),
    "silent": (False, m.MS_SILENT), "strictatime": (False, m.MS_STRICTATIME), "suid": (True, m.MS_NOSUID),
    "sync": (False, m.MS_SYNCHRONOUS),
}

PROPAGATION = {
    "private": m.MS_PRIVATE, "rprivate": m.MS_PRIVATE | m.MS_REC, "shared": m.MS_SHARED,
    "rshared": m.MS_SHARED | m.MS_REC, "slave": m.MS_SLAVE, "rslave": m.MS_SLAVE | m.MS_REC,
    "unbindable": m.MS_UNBINDABLE, "runbindable": m.MS_UNBINDABLE | m.MS_REC,
}

# statvfs f_flag bits -> the mount flags a bind remount must repeat (the kernel refuses to drop "locked" ones).
_STATVFS_TO_MS = {1: m.MS_RDONLY, 2: m.MS_NOSUID, 4: m.MS_NODEV, 8: m.MS_NOEXEC, 1024: m.MS_NOATIME,
                  2048: m.MS_NODIRATIME, 4096: m.MS_RELATIME}


def parse(options: list[str]) -> tuple[int, list[int], str]:
    """(mount flags, propagation flags in order, data string for the filesystem)."""
    flags, propagation, data = 0, [], []
    for opt in options:
        if opt in FLAGS:
            clear, flag = FLAGS[opt]
            flags = flags & ~flag if clear else flags | flag
        elif opt in PROPAGATION:
            propagation.append(PROPAGATION[opt])
        else:
            data.append(opt)  # filesystem-specific ("mode=755", "newinstance"); the kernel judges them
    return flags, propagation, ",".join(data)


def root_propagation(name: str) -> int:
    """linux.rootfsPropagation; the default, rslave as runc's, lets host mounts in and none out."""
    if not name:
        return m.MS_SLAVE | m.MS_REC
    if name not in PROPAGATION:
        from ..errors import InvalidArgument

        raise InvalidArgument(f"config.json: linux.rootfsPropagation: unknown propagation {name!r}")
    return PROPAGATION[name]


def locked_flags(path: str) -> int:
    """The flags the mount under `path` already has, as a bind remount must keep them."""
    import os

    have = os.statvfs(path).f_flag
    return sum(ms for st, ms in _STATVFS_TO_MS.items() if have & st)
