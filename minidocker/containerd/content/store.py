"""The content store interface: immutable blobs addressed by digest (cf. containerd core/content/content.go).

Lifecycle of a blob:
  1. `w = store.writer(ref, expected=digest, total=size)` opens an INGEST: a private temporary file
     (many writers, even of the same blob, never share one).
  2. `w.write(chunk)` ... the bytes are hashed while they are written.
  3. `w.commit()` checks the size and the sha256 against what was expected; on a mismatch it raises
     `errors.DigestMismatch` and removes the ingest, so nothing half-written is ever visible. On success
     the file is renamed atomically to blobs/sha256/<hex>. Committing a blob that already exists is not
     an error (the bytes are the same by construction): the ingest is dropped and the digest returned.
     Leaving the `with` block without commit aborts the ingest.
  4. `store.info(digest)`, `store.read(digest, offset)`, `store.path(digest)` read it back; `labels`
     are small mutable key/values beside the immutable bytes (containerd keeps GC references there,
     e.g. "containerd.io/gc.ref.content.l.0" = a layer digest).
  5. `store.delete(digest)` removes it (raises errors.NotFound if absent). Garbage collection, deciding
     WHAT to delete, belongs to the image service above, not to the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol, runtime_checkable


@dataclass
class Info:
    """What the store knows about one blob (cf. content.Info)."""

    digest: str
    size: int
    created_at: float  # seconds since the epoch
    updated_at: float
    labels: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Writer(Protocol):
    """One ingest in progress. Use as a context manager; exit without commit() aborts."""

    ref: str

    def write(self, data: bytes) -> int:
        """Append bytes; returns len(data). Raises DigestMismatch early if more than `total` arrive."""

    def offset(self) -> int:
        """Bytes written so far."""

    def digest(self) -> str:
        """sha256 digest of the bytes written so far."""

    def commit(self, size: int = 0, expected: str = "", labels: dict[str, str] | None = None) -> str:
        """Verify (size / expected given here or to writer()) and publish the blob; returns its digest."""

    def abort(self) -> None:
        """Drop the ingest (idempotent)."""

    def __enter__(self) -> "Writer": ...

    def __exit__(self, *exc: object) -> None: ...


@runtime_checkable
class ContentStore(Protocol):
    """Blobs by digest in an OCI image layout (blobs/sha256/<hex>), verified when written."""

    root: Path

    def info(self, digest: str) -> Info:
        """Size, times and labels of a blob; errors.NotFound if absent."""

    def exists(self, digest: str) -> bool: ...

    def path(self, digest: str) -> Path:
        """The blob's file (read-only by convention); errors.NotFound if absent."""

    def read(self, digest: str, offset: int = 0) -> BinaryIO:
        """An open binary reader positioned at offset; the caller closes it."""

    def read_bytes(self, digest: str) -> bytes:
        """The whole blob (for small documents: manifests, configs, indexes)."""

    def writer(self, ref: str = "", expected: str = "", total: int = 0) -> Writer:
        """Open an ingest named ref (for status/listing only; "" gets a random name)."""

    def write_blob(self, data: bytes | BinaryIO, expected: str = "", ref: str = "",
                   labels: dict[str, str] | None = None) -> tuple[str, int]:
        """Write bytes or a whole stream through a writer and commit; returns (digest, size)."""

    def update(self, digest: str, labels: dict[str, str]) -> Info:
        """Merge labels into the blob's labels; a value of "" removes that label."""

    def delete(self, digest: str) -> None:
        """Remove a blob and its labels; errors.NotFound if absent."""

    def walk(self) -> Iterator[Info]:
        """Every committed blob, in digest order."""

    def list(self) -> list[Info]: ...


def write_through(store: ContentStore, data: bytes | BinaryIO, expected: str = "", ref: str = "",
                  labels: dict[str, str] | None = None, chunk: int = 1 << 20) -> tuple[str, int]:
    """ContentStore.write_blob for any store with writer(): a blob already there only gets its labels."""
    if expected and store.exists(expected):
        if labels:
            store.update(expected, labels)
        return expected, store.info(expected).size
    with store.writer(ref, expected) as w:
        if isinstance(data, (bytes, bytearray, memoryview)):
            w.write(bytes(data))
        else:
            while block := data.read(chunk):
                w.write(block)
        size = w.offset()
        return w.commit(labels=labels), size

