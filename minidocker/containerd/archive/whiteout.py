"""OCI whiteouts and their overlayfs equivalents (cf. image-spec layer.md "Whiteouts", containerd pkg/archive/tar_opts_linux.go).

In a layer TAR, a deletion is an empty file `.wh.NAME` beside the deleted NAME, and "this directory
hides everything below it" is an empty file `.wh..wh..opq` inside it. In an overlay UPPERDIR the
kernel marks the same things differently: a deleted NAME is a character device 0/0 named NAME, and
an opaque directory carries the xattr trusted.overlay.opaque="y" (Documentation/filesystems/overlayfs.rst).
"""

from __future__ import annotations

import enum
import os
import stat

WHITEOUT_PREFIX = ".wh."
WHITEOUT_META_PREFIX = ".wh..wh."        # AUFS metadata (.wh..wh.plnk, .wh..wh.aufs): never extracted
WHITEOUT_OPAQUE = ".wh..wh..opq"
OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque"
OVERLAY_REDIRECT_XATTR = "trusted.overlay.redirect"


class WhiteoutMode(enum.Enum):
    """How apply_tar turns OCI whiteouts into the target's form."""

    DELETE = "delete"    # the target is a flat directory: remove what the whiteout names
    OVERLAY = "overlay"  # the target is an overlay upperdir: write overlay whiteouts for the kernel


def is_overlay_whiteout(st: os.stat_result) -> bool:
    """A 0/0 character device: what overlayfs leaves in the upperdir when a lower file is deleted."""
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def is_opaque_dir(fd_or_path: int | str) -> bool:
    """Does this directory carry trusted.overlay.opaque=y? (needs CAP_SYS_ADMIN to read trusted.*)"""
    try:
        return os.getxattr(fd_or_path, OVERLAY_OPAQUE_XATTR) == b"y"
    except OSError:
        return False
