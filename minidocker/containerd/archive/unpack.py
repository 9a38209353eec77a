"""Unpacking an untrusted layer tar into a directory (cf. containerd pkg/archive/tar.go applyNaive, moby pkg/archive/diff.go).

The rules for hostile input are in this package's docstring; each one is enforced here or in safepath.py.
"""

from __future__ import annotations

import errno
import hashlib
import lzma
import os
import stat
import tarfile
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO, Iterable

from ...errors import InvalidArgument, MinidockerError
from ...linux.removeall import remove_all
from . import safepath
from .compression import open_decompressed
from .whiteout import OVERLAY_OPAQUE_XATTR, WHITEOUT_META_PREFIX, WHITEOUT_OPAQUE, WHITEOUT_PREFIX, WhiteoutMode

_CHUNK = 1 << 20
# errnos that a malformed tar provokes (decompressors raise OSError with no errno at all)
_INPUT_ERRNOS = {errno.ENOTDIR, errno.EEXIST, errno.ELOOP, errno.ENAMETOOLONG, errno.EISDIR, errno.EINVAL,
                 errno.ENOENT, errno.ENOTEMPTY}
# xattrs a layer may set; trusted.* (overlay's own redirect/opaque/metacopy, which could make the
# kernel look up paths chosen by the image) and security.selinux/ima are never taken from a tar.
_XATTR_ALLOWED = ("user.", "security.capability")


@dataclass
class Applied:
    """The result of apply_tar: the diff_id (sha256 of the uncompressed tar) and its size in bytes."""

    diff_id: str
    size: int
    skipped: list[str] = field(default_factory=list)  # device nodes and sockets left out, for the curious


class _HashingReader:
    """Reads through to `raw` and hashes every byte: the diff_id is the digest of the uncompressed tar."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw, self.hash, self.size = raw, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.hash.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        while self.read(_CHUNK):
            pass


def apply_tar(stream: BinaryIO, root: str | os.PathLike, mode: WhiteoutMode = WhiteoutMode.DELETE,
              parents: Iterable[str | os.PathLike] = ()) -> Applied:
    """Unpack a (possibly compressed) layer tar into root; see the package docstring."""
    reader = _HashingReader(open_decompressed(stream))
    root_fd = os.open(os.fspath(root), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    unpacker = _Unpacker(root_fd, mode, [os.fspath(p) for p in parents])
    try:
        with tarfile.open(fileobj=reader, mode="r|", errorlevel=2) as tar:  # type: ignore[call-overload]
            for member in tar:
                unpacker.entry(tar, member)
        reader.drain()  # the trailing zero blocks are part of the tar, hence of the diff_id
        unpacker.finish()
    except MinidockerError:
        raise
    except OSError as exc:
        if exc.errno is not None and exc.errno not in _INPUT_ERRNOS:
            raise  # the host's trouble (ENOSPC, EIO, EPERM...), not the tar's: reported as such
        raise InvalidArgument(f"invalid layer tar: {exc}") from None
    except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
        raise InvalidArgument(f"invalid layer tar: {exc}") from None
    finally:
        unpacker.close()
        os.close(root_fd)
    return Applied(diff_id="sha256:" + reader.hash.hexdigest(), size=reader.size, skipped=unpacker.skipped)


class _Unpacker:
    def __init__(self, root_fd: int, mode: WhiteoutMode, parents: list[str]) -> None:
        self.root_fd, self.mode, self.skipped = root_fd, mode, []
        # Owners are kept only when we may set them: as GNU tar does, an unprivileged caller extracts as itself.
        self.same_owner = os.geteuid() == 0
        self.parent_fds = [os.open(p, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC) for p in parents]
        self.unpacked: set[str] = set()              # names from this layer (opaque dirs keep them)
        self.dir_times: list[tuple[list[str], tarfile.TarInfo]] = []  # set last: children change a dir's mtime

    def close(self) -> None:
        for fd in self.parent_fds:
            os.close(fd)
        self.parent_fds = []

    # ---- parents ----
    def _mkparent(self, parent_fd: int, name: str, comps: list[str]) -> None:
        """Create a directory the tar did not list; in an upperdir copy its metadata from the lowers."""
        mode, uid, gid = 0o755, 0, 0
        for lower_fd in self.parent_fds:
            try:
                fd, _ = safepath.open_dir(lower_fd, comps)
            except (OSError, InvalidArgument):
                continue
            st = os.fstat(fd)
            os.close(fd)
            mode, uid, gid = stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid
            break
        os.mkdir(name, 0o700, dir_fd=parent_fd)
        if self.same_owner:
            os.chown(name, uid, gid, dir_fd=parent_fd, follow_symlinks=False)
        os.chmod(name, mode, dir_fd=parent_fd)

    def _open_parent(self, comps: list[str], create: bool = True) -> int:
        fd, _ = safepath.open_dir(self.root_fd, comps, self._mkparent if create else None)
        return fd

    # ---- entries ----
    def entry(self, tar: tarfile.TarFile, m: tarfile.TarInfo) -> None:
        rel = safepath.clean_name(m.name)
        comps, base = safepath.split(rel)
        if base.startswith(WHITEOUT_PREFIX):
            self._whiteout(comps, base, m)
            return
        if rel == ".":
            if m.isdir():
                self._meta(self.root_fd, None, m)
                self.dir_times.append(([], m))
            return
        if m.ischr() or m.isblk():
            self.skipped.append(rel)  # a container's /dev comes from the runtime, never from an image
            return
        if not (m.isreg() or m.isdir() or m.issym() or m.islnk() or m.isfifo()):
            raise InvalidArgument(f"invalid tar entry {m.name!r}: unsupported type {m.type!r}")
        pfd = self._open_parent(comps)
        try:
            self._create(tar, m, pfd, base)
            self._meta(pfd, base, m)
        finally:
            os.close(pfd)
        self.unpacked.add(rel)
        if m.isdir():
            self.dir_times.append((comps + [base], m))

    def _remove(self, pfd: int, base: str) -> None:
        try:
            st = os.stat(base, dir_fd=pfd, follow_symlinks=False)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(st.st_mode):
            remove_all(base, dir_fd=pfd)  # fd-based, iterative, never follows symlinks inside
        else:
            os.unlink(base, dir_fd=pfd)

    def _create(self, tar: tarfile.TarFile, m: tarfile.TarInfo, pfd: int, base: str) -> None:
        if m.isdir():
            try:
                st = os.stat(base, dir_fd=pfd, follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    return  # an existing directory is kept and merged into, as Docker does
            except FileNotFoundError:
                pass
            self._remove(pfd, base)
            os.mkdir(base, 0o700, dir_fd=pfd)
            return
        if m.islnk():
            self._hardlink(m, pfd, base)
            return
        self._remove(pfd, base)
        if m.issym():
            os.symlink(m.linkname, base, dir_fd=pfd)  # the target is stored, never followed here
        elif m.isfifo():
            os.mkfifo(base, 0o600, dir_fd=pfd)
        else:
            # O_EXCL|O_NOFOLLOW: the name was just removed, so this creates a new file or fails
            fd = os.open(base, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                         dir_fd=pfd)
            with os.fdopen(fd, "wb") as out:
                src = tar.extractfile(m)
                assert src is not None
                while chunk := src.read(_CHUNK):
                    out.write(chunk)

    def _hardlink(self, m: tarfile.TarInfo, pfd: int, base: str) -> None:
        """A hard link must name an entry already inside the root (never a host file, never a directory)."""
        target = safepath.clean_name(m.linkname)
        tcomps, tbase = safepath.split(target)
        if target in (".", safepath.clean_name(m.name)):
            raise InvalidArgument(f"invalid hard link {m.name!r} -> {m.linkname!r}")
        try:
            tfd = self._open_parent(tcomps, create=False)
        except FileNotFoundError:
            raise InvalidArgument(f"invalid hard link {m.name!r} -> {m.linkname!r}: target not in layer") from None
        try:
            try:
                st = os.stat(tbase, dir_fd=tfd, follow_symlinks=False)
            except FileNotFoundError:
                raise InvalidArgument(f"invalid hard link {m.name!r} -> {m.linkname!r}: target not in layer") from None
            if stat.S_ISDIR(st.st_mode):
                raise InvalidArgument(f"invalid hard link {m.name!r} -> {m.linkname!r}: target is a directory")
            self._remove(pfd, base)
            os.link(tbase, base, src_dir_fd=tfd, dst_dir_fd=pfd, follow_symlinks=False)
        finally:
            os.close(tfd)

    def _meta(self, pfd: int, base: str | None, m: tarfile.TarInfo) -> None:
        """Owner, then mode (chown clears setuid bits, so mode comes after), then xattrs."""
        if m.islnk():
            return  # a hard link shares its inode's metadata
        if base is None:
            if self.same_owner:
                os.chown(pfd, m.uid, m.gid)
            os.chmod(pfd, stat.S_IMODE(m.mode))
            return
        if self.same_owner:
            os.chown(base, m.uid, m.gid, dir_fd=pfd, follow_symlinks=False)
        if not m.issym():
            os.chmod(base, stat.S_IMODE(m.mode), dir_fd=pfd)
            xattrs = {k[len("SCHILY.xattr."):]: v for k, v in m.pax_headers.items() if k.startswith("SCHILY.xattr.")}
            wanted = {k: v for k, v in xattrs.items() if k.startswith(_XATTR_ALLOWED)}
            for k, v in wanted.items():
                # by the parent's fd, not following the (just created, never a symlink) last component;
                # a path, not an fd of the file, so that a mode-000 file needs no open()
                os.setxattr(f"/proc/self/fd/{pfd}/{base}", k, v.encode("utf-8", "surrogateescape"),
                            follow_symlinks=False)
        if not m.isdir():
            os.utime(base, ns=(_ns(m), _ns(m)), dir_fd=pfd, follow_symlinks=False)

    # ---- whiteouts ----
    def _whiteout(self, comps: list[str], base: str, m: tarfile.TarInfo) -> None:
        overlay = self.mode is WhiteoutMode.OVERLAY
        if base == WHITEOUT_OPAQUE:
            if overlay:
                dfd = self._open_parent(comps)
                try:
                    os.setxattr(dfd, OVERLAY_OPAQUE_XATTR, b"y")
                finally:
                    os.close(dfd)
            else:
                self._empty_except_unpacked(comps)
            return
        if base.startswith(WHITEOUT_META_PREFIX):
            return  # AUFS bookkeeping, meaningless here
        name = base[len(WHITEOUT_PREFIX):]
        if name in ("", ".", ".."):
            raise InvalidArgument(f"invalid whiteout {m.name!r}")
        try:
            pfd = self._open_parent(comps, create=overlay)
        except FileNotFoundError:
            return  # deleting something under a directory that does not exist: nothing to do
        try:
            self._remove(pfd, name)
            if overlay:
                os.mknod(name, stat.S_IFCHR | 0o000, os.makedev(0, 0), dir_fd=pfd)
                if self.same_owner:
                    os.chown(name, m.uid, m.gid, dir_fd=pfd, follow_symlinks=False)
        finally:
            os.close(pfd)

    def _empty_except_unpacked(self, comps: list[str]) -> None:
        try:
            dfd = self._open_parent(comps, create=False)
        except FileNotFoundError:
            return
        prefix = "/".join(comps)
        try:
            for name in os.listdir(dfd):
                rel = f"{prefix}/{name}" if prefix else name
                if rel not in self.unpacked:
                    self._remove(dfd, name)
        finally:
            os.close(dfd)

    def finish(self) -> None:
        for comps, m in reversed(self.dir_times):  # deepest last-listed first; parents after children
            try:
                fd = self._open_parent(comps, create=False)
            except (FileNotFoundError, InvalidArgument):
                continue  # removed again by a later entry of the same layer
            try:
                os.utime(fd, ns=(_ns(m), _ns(m)))
            finally:
                os.close(fd)


def _ns(m: tarfile.TarInfo) -> int:
    return int(m.mtime * 1_000_000_000)
