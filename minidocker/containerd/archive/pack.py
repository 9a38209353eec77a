"""Packing a directory into a layer tar, deterministically (cf. moby pkg/archive/archive.go TarWithOptions, containerd pkg/archive WriteDiff).

Entries come in sorted order, a directory before its contents, without the root itself; PAX format,
no user or group names, times truncated to whole seconds (as Docker does); hard links inside the tree
are written once and linked after. With overlay_whiteouts the directory is read as an overlay
upperdir: a 0/0 character device becomes `.wh.NAME`, an opaque directory gets `.wh..wh..opq`.
With mtime (and owner) every entry is normalised, so the same tree always gives the same bytes.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
from typing import BinaryIO

from ...errors import Unsupported
from .whiteout import (OVERLAY_OPAQUE_XATTR, OVERLAY_REDIRECT_XATTR, WHITEOUT_OPAQUE, WHITEOUT_PREFIX,
                       is_overlay_whiteout)

_CHUNK = 1 << 20
_KEEP_XATTRS = ("security.capability",)


def write_tar(root: str | os.PathLike, out: BinaryIO, overlay_whiteouts: bool = False,
              mtime: int | None = None, owner: tuple[int, int] | None = None) -> None:
    """Write the tree under root as a tar stream to out (which needs only .write)."""
    packer = _Packer(os.fspath(root), overlay_whiteouts, mtime, owner)
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
        packer.walk(tar, "")


def tar_bytes(root: str | os.PathLike, overlay_whiteouts: bool = False, mtime: int | None = None,
              owner: tuple[int, int] | None = None) -> bytes:
    buf = io.BytesIO()
    write_tar(root, buf, overlay_whiteouts, mtime, owner)
    return buf.getvalue()


class _Packer:
    def __init__(self, root: str, overlay: bool, mtime: int | None, owner: tuple[int, int] | None) -> None:
        self.root, self.overlay, self.mtime, self.owner = root, overlay, mtime, owner
        self.links: dict[tuple[int, int], str] = {}

    def walk(self, tar: tarfile.TarFile, rel: str) -> None:
        full = os.path.join(self.root, rel) if rel else self.root
        for name in sorted(os.listdir(full)):
            child = f"{rel}/{name}" if rel else name
            path = os.path.join(full, name)
            st = os.lstat(path)
            if self.overlay and is_overlay_whiteout(st):
                wh = f"{rel}/{WHITEOUT_PREFIX}{name}" if rel else WHITEOUT_PREFIX + name
                tar.addfile(self._info(wh, st, tarfile.REGTYPE, mode=0o600))
                continue
            if stat.S_ISSOCK(st.st_mode):
                continue  # sockets are not content (Docker skips them too)
            if stat.S_ISDIR(st.st_mode):
                if self.overlay and _xattr(path, OVERLAY_REDIRECT_XATTR):
                    raise Unsupported(f"{child}: overlay redirect_dir upper layers cannot be diffed; mount without it")
                tar.addfile(self._info(child, st, tarfile.DIRTYPE, xattrs=_xattrs(path)))
                if self.overlay and _xattr(path, OVERLAY_OPAQUE_XATTR) == b"y":
                    tar.addfile(self._info(f"{child}/{WHITEOUT_OPAQUE}", st, tarfile.REGTYPE,
                                           mode=stat.S_IMODE(st.st_mode)))
                self.walk(tar, child)
                continue
            key = (st.st_dev, st.st_ino)
            if not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1 and key in self.links:
                tar.addfile(self._info(child, st, tarfile.LNKTYPE, linkname=self.links[key]))
                continue
            if st.st_nlink > 1:
                self.links[key] = child
            if stat.S_ISREG(st.st_mode):
                info = self._info(child, st, tarfile.REGTYPE, xattrs=_xattrs(path))
                info.size = st.st_size
                with open(path, "rb") as f:
                    tar.addfile(info, f)
            elif stat.S_ISLNK(st.st_mode):
                tar.addfile(self._info(child, st, tarfile.SYMTYPE, linkname=os.readlink(path)))
            elif stat.S_ISFIFO(st.st_mode):
                tar.addfile(self._info(child, st, tarfile.FIFOTYPE))
            elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                info = self._info(child, st, tarfile.CHRTYPE if stat.S_ISCHR(st.st_mode) else tarfile.BLKTYPE)
                info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
                tar.addfile(info)

    def _info(self, name: str, st: os.stat_result, kind: bytes, mode: int | None = None, linkname: str = "",
              xattrs: dict[str, str] | None = None) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.mode = stat.S_IMODE(st.st_mode) if mode is None else mode
        info.uid, info.gid = self.owner if self.owner else (st.st_uid, st.st_gid)
        info.uname = info.gname = ""
        # whole seconds, truncated as Docker does (from st_mtime_ns: the float st_mtime can round up)
        info.mtime = self.mtime if self.mtime is not None else st.st_mtime_ns // 1_000_000_000
        info.linkname = linkname
        if xattrs:
            info.pax_headers = {f"SCHILY.xattr.{k}": v for k, v in sorted(xattrs.items())}
        return info


def _xattr(path: str, name: str) -> bytes | None:
    try:
        return os.getxattr(path, name, follow_symlinks=False)
    except OSError:
        return None


def _xattrs(path: str) -> dict[str, str]:
    found = {}
    for name in _KEEP_XATTRS:
        value = _xattr(path, name)
        if value is not None:
            found[name] = value.decode("utf-8", "surrogateescape")
    return found
