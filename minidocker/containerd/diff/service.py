"""The diff service over a content store: layer blobs onto snapshots and back (cf. containerd plugins/diff/walking, core/diff/apply).

Which directory a list of mounts means, without mounting anything (as containerd's overlay fast
path does): a single overlay mount is its upperdir (with the lowerdirs as parents), a single bind
mount is its source. Anything else is mounted on a temporary directory (root only) and applied to
the merged view.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tempfile
from typing import BinaryIO

from ...errors import DigestMismatch, InvalidArgument, Unsupported
from ...oci.image import DOCKER_LAYER, DOCKER_LAYER_GZIP, OCI_LAYER, OCI_LAYER_GZIP, Descriptor, layer_compression
from ...oci.mount import Mount
from ..archive import WhiteoutMode, apply_tar, write_tar
from ..content.store import ContentStore
from .differ import LABEL_UNCOMPRESSED, LayerDiff

_WRITABLE_TYPES = (OCI_LAYER, OCI_LAYER_GZIP, DOCKER_LAYER, DOCKER_LAYER_GZIP)


def _overlay_dirs(m: Mount) -> tuple[str | None, list[str]]:
    lower = m.option("lowerdir")
    return m.option("upperdir"), (lower.split(":") if lower else [])


def _lower_dirs(mounts: list[Mount]) -> list[str]:
    """The read-only stack a list of mounts describes, top first ([] for no mounts)."""
    if not mounts:
        return []
    if len(mounts) == 1 and mounts[0].type == "bind":
        return [mounts[0].source]
    if len(mounts) == 1 and mounts[0].type == "overlay":
        upper, lowers = _overlay_dirs(mounts[0])
        return ([upper] if upper else []) + lowers
    raise Unsupported(f"cannot diff against mounts {[m.to_dict() for m in mounts]}")


class _Verified(io.RawIOBase):
    """Reads a blob and checks, once all of it has been read, that it hashes to its descriptor's digest."""

    def __init__(self, raw: BinaryIO, expected: str) -> None:
        self.raw, self.expected, self.hash = raw, expected, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[override]
        n = self.raw.readinto(buf)  # type: ignore[attr-defined]
        if n:
            self.hash.update(memoryview(buf)[:n])
        return n or 0

    def verify(self) -> None:
        while self.read(1 << 20):
            pass
        digest = "sha256:" + self.hash.hexdigest()
        if digest != self.expected:
            raise DigestMismatch(f"layer blob {self.expected} hashes to {digest}")


class _Sink:
    """Hashes the uncompressed tar (the diff_id) on its way into gzip or straight into the content writer."""

    def __init__(self, writer, compress: bool) -> None:
        self.hash, self.size = hashlib.sha256(), 0
        self._gz = gzip.GzipFile(fileobj=writer, mode="wb", mtime=0, compresslevel=6) if compress else None
        self._w = writer

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        (self._gz or self._w).write(data)
        return len(data)

    def close(self) -> None:
        if self._gz is not None:
            self._gz.close()  # writes the gzip trailer; leaves the content writer open


def write_layer(store: ContentStore, root: str | os.PathLike, media_type: str = OCI_LAYER_GZIP,
                overlay_whiteouts: bool = False, mtime: int | None = None, owner: tuple[int, int] | None = None,
                ref: str = "", labels: dict[str, str] | None = None) -> LayerDiff:
    """Pack a directory (a plain tree, or an upperdir with overlay_whiteouts) as a layer blob in the store."""
    if media_type not in _WRITABLE_TYPES:
        raise Unsupported(f"cannot write layers of media type {media_type!r}")
    with store.writer(ref or "layer-" + os.urandom(6).hex()) as w:
        sink = _Sink(w, layer_compression(media_type) == "gzip")
        write_tar(root, sink, overlay_whiteouts=overlay_whiteouts, mtime=mtime, owner=owner)  # type: ignore[arg-type]
        sink.close()
        diff_id = "sha256:" + sink.hash.hexdigest()
        size = w.offset()
        digest = w.commit(labels={**(labels or {}), LABEL_UNCOMPRESSED: diff_id})
    return LayerDiff(Descriptor(media_type=media_type, digest=digest, size=size), diff_id)


class DiffService:
    """An Applier and a Comparer (see differ.py) over one content store."""

    def __init__(self, store: ContentStore) -> None:
        self.store = store

    def apply(self, desc: Descriptor, mounts: list[Mount]) -> Descriptor:
        with self.store.read(desc.digest) as raw:
            blob = _Verified(raw, desc.digest)  # the store verified it when written; disks rot, so again here
            applied = self.apply_stream(blob, mounts)  # type: ignore[arg-type]
            blob.verify()
        return applied

    def apply_stream(self, blob: BinaryIO, mounts: list[Mount]) -> Descriptor:
        """apply() for a blob not in the store (e.g. `docker import` of a tar stream)."""
        if len(mounts) == 1 and mounts[0].type == "overlay":
            upper, lowers = _overlay_dirs(mounts[0])
            if not upper or mounts[0].readonly:
                raise InvalidArgument("cannot apply a layer onto a read-only snapshot")
            result = apply_tar(blob, upper, WhiteoutMode.OVERLAY, parents=lowers)
        elif len(mounts) == 1 and mounts[0].type == "bind":
            if mounts[0].readonly:
                raise InvalidArgument("cannot apply a layer onto a read-only snapshot")
            result = apply_tar(blob, mounts[0].source, WhiteoutMode.DELETE)
        else:
            result = self._apply_mounted(blob, mounts)
        return Descriptor(media_type=OCI_LAYER, digest=result.diff_id, size=result.size)

    def _apply_mounted(self, blob: BinaryIO, mounts: list[Mount]):
        from ...linux.mountall import mount_all, unmount_all

        target = tempfile.mkdtemp(prefix="minidocker-apply-")
        try:
            mount_all(mounts, target)
            try:
                return apply_tar(blob, target, WhiteoutMode.DELETE)
            finally:
                unmount_all(target)
        finally:
            os.rmdir(target)

    def compare(self, lower: list[Mount], upper: list[Mount], media_type: str = "",
                ref: str = "", labels: dict[str, str] | None = None) -> LayerDiff:
        media_type = media_type or OCI_LAYER_GZIP
        lowers = _lower_dirs(lower)
        if len(upper) == 1 and upper[0].type == "overlay":
            updir, uplowers = _overlay_dirs(upper[0])
            if not updir:
                raise InvalidArgument("the upper snapshot is read-only: nothing to diff")
            if [os.path.realpath(p) for p in uplowers] != [os.path.realpath(p) for p in lowers]:
                raise Unsupported("upper is not stacked directly on lower: only a snapshot and its parent can be diffed")
            return write_layer(self.store, updir, media_type, overlay_whiteouts=True, ref=ref, labels=labels)
        if len(upper) == 1 and upper[0].type == "bind" and not lowers:
            return write_layer(self.store, upper[0].source, media_type, ref=ref, labels=labels)
        raise Unsupported(f"cannot diff mounts {[m.to_dict() for m in upper]} against {[m.to_dict() for m in lower]}")
