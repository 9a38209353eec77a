"""The files Docker's init layer adds to every container's root: an empty /.dockerenv
(cf. moby daemon/initlayer and daemon/container_operations_unix.go; programs test for it to know they run in Docker).

Docker keeps them in a read-only layer between the image and the container's writable layer; minidocker
writes them into the writable layer (the overlay's upperdir) when the container starts, unless a layer has one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DOCKERENV = ".dockerenv"


def _upper(mounts: list[Any]) -> Path | None:
    for m in mounts:
        mtype = m["type"] if isinstance(m, dict) else m.type
        options = m["options"] if isinstance(m, dict) else m.options
        if mtype == "overlay":
            for o in options:
                if o.startswith("upperdir="):
                    return Path(o.split("=", 1)[1])
    return None


def prepare(mounts: list[Any], layer_dirs: list[Path]) -> None:
    """Create /.dockerenv (empty, mode 0755 as Docker's) in the writable layer if no layer has it."""
    upper = _upper(mounts)
    if upper is None or not upper.is_dir():
        return
    if any((d / DOCKERENV).exists() or (d / DOCKERENV).is_symlink() for d in layer_dirs):
        return
    tmp = upper / (DOCKERENV + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o755)
    os.fchmod(fd, 0o755)
    os.close(fd)
    os.rename(tmp, upper / DOCKERENV)
