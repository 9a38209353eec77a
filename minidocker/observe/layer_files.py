"""What one layer holds: its snapshot directory on disk (overlay whiteouts) and its tar in a saved image (OCI .wh. files) (cf. overlayfs.rst "whiteouts", image-spec layer.md).

A file deleted in a later step cannot be removed from the read-only layer below: the later layer
records the deletion. On disk, overlayfs writes a whiteout, a character device 0:0 with the deleted
file's name, and marks a directory replaced as a whole with the xattr trusted.overlay.opaque=y. In the
layer's tar (what `save` and `push` carry) the same facts are `.wh.<name>` and `.wh..wh..opq` entries.
"""

from __future__ import annotations

import json
import os
import stat
import tarfile
from pathlib import Path

HEADERS = ["path", "kind", "size"]


def kind_of(path: str | os.PathLike) -> str:
    """file, dir, symlink, or the overlay markers: whiteout (char 0:0), opaque dir."""
    st = os.lstat(path)
    if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
        return "whiteout (deleted below)"
    if stat.S_ISDIR(st.st_mode):
        try:
            if os.getxattr(path, "trusted.overlay.opaque", follow_symlinks=False) == b"y":
                return "opaque dir (replaces the one below)"
        except OSError:
            pass
        return "dir"
    if stat.S_ISLNK(st.st_mode):
        return "symlink"
    return "file" if stat.S_ISREG(st.st_mode) else "special"


def listing(root: str | os.PathLike, limit: int = 30) -> list[list[str]]:
    """Rows (path, kind, size) of a layer's directory, sorted, at most `limit` (then one '...' row)."""
    root = Path(root)
    rows: list[list[str]] = []
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            full = Path(dirpath) / name
            kind = kind_of(full)
            size = str(full.lstat().st_size) if kind == "file" else ""
            rows.append(["/" + str(full.relative_to(root)), kind, size])
    rows.sort()
    return rows[:limit] + ([["...", f"{len(rows) - limit} more", ""]] if len(rows) > limit else [])


def saved_layers(archive: str | os.PathLike) -> list[list[str]]:
    """The entry names of each layer tar inside a `save` archive (docker-archive manifest.json order)."""
    with tarfile.open(archive) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))[0]
        out = []
        for member in manifest["Layers"]:
            with tarfile.open(fileobj=outer.extractfile(member)) as layer:
                out.append(sorted(m.name for m in layer.getmembers()))
    return out


def whiteouts(names: list[str]) -> list[str]:
    """The OCI whiteout entries among a layer tar's names: what the layer deletes from those below."""
    return [n for n in names if os.path.basename(n).startswith(".wh.")]
