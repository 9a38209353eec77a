"""COPY and ADD as a layer: the copied files written straight into a layer tar (cf. moby builder/dockerfile/copy.go).

Docker's rules: a directory source copies its contents; several sources (or a wildcard) need a
destination ending in '/'; a file copied to an existing directory lands inside it; missing
parent directories are made 0755; files belong to root unless --chown says otherwise; ADD
unpacks a local tar archive (gzip, bzip2, xz) into the destination.
"""

from __future__ import annotations

import os
import posixpath
import tarfile
from typing import BinaryIO, Callable

from ...errors import InvalidArgument
from .context import BuildContext, Source

ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")


def _is_archive(path: str) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except OSError:
        return False


class LayerWriter:
    """Writes the entries of one COPY/ADD step into a tar, making parent directories once."""

    def __init__(self, out: BinaryIO, uid: int, gid: int, chmod: int | None = None) -> None:
        self.tar = tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT)
        self.uid, self.gid, self.chmod = uid, gid, chmod
        self.dirs: set[str] = set()

    def close(self) -> None:
        self.tar.close()

    def parents(self, dest: str) -> None:
        parts = dest.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            name = "/".join(parts[:i])
            if name and name not in self.dirs:
                info = tarfile.TarInfo(name)
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                self.tar.addfile(info)
                self.dirs.add(name)

    def add_path(self, path: str, dest: str) -> None:
        """One file, directory or symlink from the context at dest (absolute in the image)."""
        name = dest.strip("/")
        self.parents(dest)
        info = self.tar.gettarinfo(path, arcname=name)
        info.uid, info.gid, info.uname, info.gname = self.uid, self.gid, "", ""
        if self.chmod is not None and not info.issym():
            info.mode = self.chmod
        if info.isdir():
            self.dirs.add(name)
        if info.isreg():
            with open(path, "rb") as f:
                self.tar.addfile(info, f)
        elif info.isdir() or info.issym():
            self.tar.addfile(info)
        elif info.islnk():
            raise InvalidArgument(f"cannot copy hard link {path}")
        else:
            raise InvalidArgument(f"cannot copy special file {os.path.basename(path)}: only files, directories and symlinks")

    def add_archive(self, path: str, dest_dir: str) -> None:
        """ADD of a local archive: its entries under dest_dir, refused if any would land outside it, or if
        the archive could never be unpacked (checked now rather than at the first run of the image)."""
        base = dest_dir.strip("/")
        if base:
            self.parents("/" + base + "/x")
            if base not in self.dirs:
                info = tarfile.TarInfo(base)
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                self.tar.addfile(info)
                self.dirs.add(base)
        with tarfile.open(path, "r:*") as src:
            for member in src:
                rel = posixpath.normpath(member.name.lstrip("/"))
                if rel == ".":
                    continue
                if rel.startswith("../") or rel == "..":
                    raise InvalidArgument(f"ADD failed: archive entry {member.name!r} points outside the destination")
                if member.islnk():
                    target = posixpath.normpath(member.linkname.lstrip("/"))
                    if target.startswith(".."):
                        raise InvalidArgument(f"ADD failed: hard link {member.name!r} points outside the archive")
                    member.linkname = posixpath.join(base, target)
                if member.ischr() or member.isblk() or member.isfifo():
                    continue  # device nodes from an archive are never created (DESIGN.md §5)
                member.name = posixpath.join(base, rel)
                if self.uid or self.gid:
                    member.uid, member.gid = self.uid, self.gid
                data = src.extractfile(member) if member.isreg() else None
                self.tar.addfile(member, data)
        _check_unpackable(path)


def _check_unpackable(path: str) -> None:
    """Unpacked beside the archive: in the build context dockerd unpacked into its own private directory."""
    from ...containerd.archive import check_unpackable

    with open(path, "rb") as f:
        try:
            check_unpackable(f, os.path.dirname(os.path.abspath(path)))
        except InvalidArgument as err:
            raise InvalidArgument(f"ADD failed: {err}") from None


def copy_into_layer(context: BuildContext, sources: list[Source], dest: str, *, is_add: bool,
                    dest_is_dir: Callable[[str], bool], writer: LayerWriter) -> None:
    """Write what `COPY/ADD <sources> <dest>` adds; dest is absolute (WORKDIR already applied)."""
    many = len(sources) > 1
    as_dir = dest.endswith("/") or dest_is_dir(dest.rstrip("/") or "/")
    if many and not dest.endswith("/"):
        raise InvalidArgument("When using COPY with more than one source file, the destination must be a directory and end with a /")
    for src in sources:
        if src.is_dir:
            for rel, path in context.files_under(src)[1:]:
                inner = os.path.relpath(path, src.path)
                writer.add_path(str(path), posixpath.join(dest, inner))
            if not context.files_under(src)[1:]:
                writer.parents(posixpath.join(dest, "x"))
        elif is_add and _is_archive(str(src.path)):
            writer.add_archive(str(src.path), dest)
        else:
            target = posixpath.join(dest, posixpath.basename(src.rel)) if as_dir or many else dest
            writer.add_path(str(src.path), target)
