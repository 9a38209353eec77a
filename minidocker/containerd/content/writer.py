"""One ingest: bytes hashed as they are written, verified and renamed into place on commit (cf. containerd plugins/content/local/writer.go)."""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from typing import Callable

from ...errors import DigestMismatch, InvalidArgument
from ...oci.image import validate_digest


class IngestWriter:
    """Writes to a private temp file under <root>/ingest; see store.Writer for the contract."""

    def __init__(self, tmp: Path, ref: str, expected: str, total: int,
                 publish: Callable[[Path, str, dict[str, str] | None], None]) -> None:
        self.ref = ref
        self._tmp = tmp
        self._expected = validate_digest(expected) if expected else ""
        self._total = int(total or 0)
        if self._total < 0:
            raise InvalidArgument(f"invalid size {total}")
        self._publish = publish
        self._hash = hashlib.sha256()
        self._size = 0
        # O_EXCL: the name is unique per writer, so two writers of the same blob never share a file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        # Held while the writer lives; the kernel drops it when the process dies however it dies, so a
        # clean-up that can take the lock knows the ingest is an orphan (LocalStore.abort_stale_ingests).
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._file = os.fdopen(fd, "wb")
        self._done = False

    def write(self, data: bytes) -> int:
        if self._done:
            raise InvalidArgument(f"ingest {self.ref!r} is closed")
        if self._total and self._size + len(data) > self._total:
            self.abort()
            raise DigestMismatch(f"ingest {self.ref!r}: more than the expected {self._total} bytes")
        self._file.write(data)
        self._hash.update(data)
        self._size += len(data)
        return len(data)

    def offset(self) -> int:
        return self._size

    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()

    def commit(self, size: int = 0, expected: str = "", labels: dict[str, str] | None = None) -> str:
        if self._done:
            raise InvalidArgument(f"ingest {self.ref!r} is closed")
        size = size or self._total
        expected = validate_digest(expected) if expected else self._expected
        digest = self.digest()
        try:
            if size and size != self._size:
                raise DigestMismatch(f"unexpected commit size {self._size}, expected {size}")
            if expected and expected != digest:
                raise DigestMismatch(f"unexpected commit digest {digest}, expected {expected}")
            self._file.flush()
            os.fsync(self._file.fileno())  # the rename below must never publish a blob whose bytes are not on disk
            self._file.close()
            os.chmod(self._tmp, 0o444)  # blobs are immutable (containerd makes them read-only too)
            self._publish(self._tmp, digest, labels)
        except BaseException:
            self.abort()
            raise
        self._done = True
        return digest

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._done = True
        try:
            os.unlink(self._tmp)
        except FileNotFoundError:
            pass

    def __enter__(self) -> "IngestWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._done:
            self.abort()
