"""A container's filesystem changes, read from its snapshot's overlay upper directory (cf. moby pkg/archive/changes.go OverlayChanges, daemon/changes.go).

`docker diff` lists what the writable layer holds: a path the image lacks is Added (1), one the image
has is Changed (0), an overlay whiteout (a 0:0 character device, or an opaque directory) is Deleted (2).
A directory present only because something below it changed is not listed unless its own metadata
differs, but the parent of an added or deleted path always is. What Docker keeps in the container's
"-init" layer, below the writable one, is hidden: the empty mount points the runtime makes for
/etc/hostname, /etc/hosts and /etc/resolv.conf, /.dockerenv (dockerd/containers/initlayer.py), /etc/mtab.
"""

from __future__ import annotations

import os
import stat
from typing import Any

MODIFIED, ADDED, DELETED = 0, 1, 2
INIT_FILES = ("/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/.dockerenv")  # empty regular files
INIT_LINKS = {"/etc/mtab": "/proc/mounts"}


def overlay_dirs(mounts: list[Any]) -> tuple[str, list[str]]:
    """(upperdir, lowerdirs topmost first) of a snapshot's mounts; ("", []) when it is not an overlay."""
    for m in mounts:
        mtype = m["type"] if isinstance(m, dict) else m.type
        options = m["options"] if isinstance(m, dict) else m.options
        if mtype != "overlay":
            continue
        opts = dict(o.split("=", 1) for o in options if "=" in o)
        return opts.get("upperdir", ""), [d for d in opts.get("lowerdir", "").split(":") if d]
    return "", []


def _whiteout(st: os.stat_result) -> bool:
    return stat.S_ISCHR(st.st_mode) and os.major(st.st_rdev) == 0 and os.minor(st.st_rdev) == 0


def _opaque(path: str) -> bool:
    try:
        return os.getxattr(path, "trusted.overlay.opaque", follow_symlinks=False) == b"y"
    except OSError:
        return False


def _in_lower(lowers: list[str], rel: str) -> os.stat_result | None:
    for lower in lowers:
        try:
            return os.lstat(os.path.join(lower, rel.lstrip("/")))
        except OSError:
            continue
    return None


def hidden(upper: str, lowers: list[str], rel: str) -> bool:
    """An init-layer file (a mount point or marker the engine made, which the image does not have)."""
    if rel not in INIT_FILES and rel not in INIT_LINKS:
        return False
    path = os.path.join(upper, rel.lstrip("/"))
    try:
        st = os.lstat(path)
        if rel in INIT_LINKS:
            made = stat.S_ISLNK(st.st_mode) and os.readlink(path) == INIT_LINKS[rel]
        else:
            made = stat.S_ISREG(st.st_mode) and st.st_size == 0
    except OSError:
        return False
    return made and _in_lower(lowers, rel) is None


def _only_placeholders(upper: str, lowers: list[str], rel: str) -> bool:
    """/etc in the upper directory only as the placeholders' parent."""
    try:
        names = os.listdir(os.path.join(upper, rel.lstrip("/")))
    except OSError:
        return False
    return all(hidden(upper, lowers, f"{rel}/{n}") for n in names) and _in_lower(lowers, rel) is not None


def walk(upper: str, lowers: list[str]) -> list[dict[str, Any]]:
    """The changes of one upper directory over its lower directories, parents before children."""
    changes: list[dict[str, Any]] = []
    listed: set[str] = set()

    def visit(rel_dir: str) -> None:
        try:
            names = sorted(os.listdir(os.path.join(upper, rel_dir.lstrip("/"))))
        except OSError:
            return
        for name in names:
            rel = f"{rel_dir.rstrip('/')}/{name}"
            path = os.path.join(upper, rel.lstrip("/"))
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if hidden(upper, lowers, rel) or (stat.S_ISDIR(st.st_mode) and _only_placeholders(upper, lowers, rel)):
                continue
            old = _in_lower(lowers, rel)
            if _whiteout(st) or (stat.S_ISDIR(st.st_mode) and _opaque(path)):
                kind = DELETED
            elif old is None:
                kind = ADDED
            elif (stat.S_ISDIR(st.st_mode) and stat.S_ISDIR(old.st_mode) and st.st_size == old.st_size
                  and st.st_mode == old.st_mode and st.st_mtime_ns == old.st_mtime_ns):
                kind = None  # a parent of changes only; listed below if an add or delete needs it
            else:
                kind = MODIFIED
            if kind in (ADDED, DELETED) and rel_dir != "/" and rel_dir not in listed:
                changes.append({"Path": rel_dir, "Kind": MODIFIED})
                listed.add(rel_dir)
            if kind is not None:
                changes.append({"Path": rel, "Kind": kind})
                if stat.S_ISDIR(st.st_mode):
                    listed.add(rel)
            if stat.S_ISDIR(st.st_mode) and not _whiteout(st):
                visit(rel)

    visit("/")
    return changes


def container_changes(mounts: list[Any]) -> list[dict[str, Any]]:
    upper, lowers = overlay_dirs(mounts)
    return walk(upper, lowers) if upper else []


def upper_size(mounts: list[Any]) -> int:
    """Bytes of the regular files in the writable layer (Docker's SizeRw: file sizes, not directory blocks)."""
    upper, _lowers = overlay_dirs(mounts)
    total = 0
    for top, _dirs, files in os.walk(upper) if upper else ():
        for name in files:
            path = os.path.join(top, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
    return total
