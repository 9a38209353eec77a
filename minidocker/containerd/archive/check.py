"""Prove a layer tar can be unpacked, at the moment it is accepted (cf. moby layer/layer_store.go, which applies an imported layer at once).

`docker import` and `ADD x.tar` used to keep any tar that Python's tarfile could read; a hard link to
an entry that is not there, or a file used as a directory ("a" then "a/b"), failed only when a
container was first created from the image, far from the command that was wrong. The only exact
check is the unpacker itself: the tar is unpacked into a private scratch directory (0700, so the
setuid files it may hold are out of everyone's reach) which is then removed, iteratively.
"""

from __future__ import annotations

import os
import tempfile
from typing import BinaryIO

from ...linux.removeall import remove_all_quietly
from .unpack import Applied, apply_tar


def check_unpackable(stream: BinaryIO, scratch: str | os.PathLike) -> Applied:
    """Unpack stream under a new directory in scratch and remove it; InvalidArgument names the bad entry."""
    os.makedirs(scratch, mode=0o700, exist_ok=True)
    where = tempfile.mkdtemp(prefix="check-", dir=scratch)
    try:
        return apply_tar(stream, where)
    finally:
        remove_all_quietly(where)
