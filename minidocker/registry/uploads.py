"""Blob upload sessions: started, appended in order, verified and committed, or cancelled (cf. distribution registry/storage/blobwriter.go, linkedblobstore.go).

  uploads/<uuid>/repo       the repository the session belongs to
  uploads/<uuid>/algorithm  the digest algorithm asked for at POST (?digest-algorithm=, sha256 by default)
  uploads/<uuid>/data       the bytes so far
A session is written by one request at a time (a lock per session); a chunk that fails half way is cut
off again, so the session is always at the end of the last chunk that arrived whole. Sessions idle for
longer than `idle_seconds` are dropped when a new one starts, and a repository holds at most
`max_per_repository` at once (429 TOOMANYREQUESTS beyond, with Retry-After).
"""

from __future__ import annotations

import re
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Protocol

from . import digests
from .errcodes import BlobUploadInvalid, BlobUploadUnknown, DigestInvalid, RangeInvalid, TooManyRequests

if TYPE_CHECKING:
    from .storage import Storage

BLOCK = 1 << 20


class Reader(Protocol):
    def read(self, n: int) -> bytes: ...


class TooLarge(BlobUploadInvalid):
    status = 413


class Uploads:
    """The upload sessions of one storage root."""

    def __init__(self, storage: "Storage", max_per_repository: int, idle_seconds: float) -> None:
        self.storage, self.max_per_repository, self.idle_seconds = storage, max_per_repository, idle_seconds
        self.base = storage.root / "uploads"
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._hashes: dict[str, tuple[int, object]] = {}  # upload -> (size hashed, hash object): no second read at commit

    def start(self, name: str, algorithm: str = "sha256") -> str:
        from .storage import check_name

        check_name(name)
        digests.check_algorithm(algorithm)
        with self._guard:
            if self._sessions_of(name) >= self.max_per_repository:
                raise TooManyRequests(f"too many uploads in progress to {name} (at most {self.max_per_repository})",
                                      status=429, headers={"Retry-After": "1"})
            upload = uuid.uuid4().hex
            folder = self.base / upload
            folder.mkdir(parents=True)
            (folder / "algorithm").write_text(algorithm)
            (folder / "data").write_bytes(b"")
            (folder / "repo").write_text(name)  # last: a session without it is not one yet
        return upload

    def _sessions_of(self, name: str) -> int:
        """How many live sessions the repository has; idle ones are dropped on the way."""
        count, now = 0, time.time()
        for folder in self.base.iterdir():
            try:
                idle = now - (folder / "data").stat().st_mtime
                owner = (folder / "repo").read_text()
            except OSError:
                continue
            lock = self._locks.get(folder.name)
            if idle > self.idle_seconds and not (lock and lock.locked()):
                shutil.rmtree(folder, ignore_errors=True)
                self._hashes.pop(folder.name, None)
                self._locks.pop(folder.name, None)
            elif owner == name:
                count += 1
        return count

    def _lock(self, upload: str) -> threading.Lock:
        return self._locks.setdefault(upload, threading.Lock())  # setdefault is atomic: one lock per session

    def folder(self, name: str, upload: str) -> Path:
        folder = self.base / upload
        try:
            if re.fullmatch(r"[0-9a-f]{32}", upload) and (folder / "repo").read_text() == name:
                return folder
        except OSError:
            pass
        raise BlobUploadUnknown(f"blob upload unknown to registry: {upload}", {"upload": upload})

    def size(self, name: str, upload: str) -> int:
        return (self.folder(name, upload) / "data").stat().st_size

    @contextmanager
    def session(self, name: str, upload: str) -> Iterator[Path]:
        """The session's folder, held by this request alone."""
        self.folder(name, upload)
        with self._lock(upload):
            yield self.folder(name, upload)  # again: it may have been finished or cancelled while we waited

    def append(self, folder: Path, body: Reader, start: int | None, length: int | None, limit: int) -> int:
        """Append a request body at `start` (None: wherever the session is); returns the new size.

        416 if `start` is not where the session is, 413 past `limit`; a body that breaks off is cut away again."""
        path = folder / "data"
        size = path.stat().st_size
        if start is not None and start != size:
            raise RangeInvalid(f"chunk out of order: the upload is at byte {size}, the chunk starts at {start}",
                               {"size": size})
        if length is not None and size + length > limit:
            raise TooLarge(f"blob too large: {size + length} bytes, the limit is {limit}", {"limit": limit})
        saved = self._hashes.get(folder.name)
        hashed = saved[1].copy() if saved and saved[0] == size else None  # type: ignore[attr-defined]
        if hashed is None and size == 0:
            hashed = digests.hasher((folder / "algorithm").read_text())
        with open(path, "ab") as f:
            try:
                while True:
                    data = body.read(BLOCK)
                    if not data:
                        break
                    if f.tell() + len(data) > limit:
                        raise TooLarge(f"blob too large: the limit is {limit} bytes", {"limit": limit})
                    f.write(data)
                    if hashed is not None:
                        hashed.update(data)
            except BaseException:
                f.truncate(size)
                raise
            end = f.tell()
        if hashed is not None:
            self._hashes[folder.name] = (end, hashed)
        return end

    def finish(self, name: str, folder: Path, digest: str) -> None:
        """Verify the session's bytes against the digest and publish them as a blob; the session is gone either way."""
        algorithm, encoded = digests.check(digest)
        try:
            data = folder / "data"
            saved = self._hashes.pop(folder.name, None)
            if saved and saved[0] == data.stat().st_size and saved[1].name == algorithm:  # type: ignore[attr-defined]
                actual = saved[1].hexdigest()  # type: ignore[attr-defined]
            else:
                h = digests.hasher(algorithm)
                with open(data, "rb") as f:
                    for block in iter(lambda: f.read(BLOCK), b""):
                        h.update(block)
                actual = h.hexdigest()
            if actual != encoded:
                raise DigestInvalid(f"provided digest did not match uploaded content: {digest}", {"digest": digest})
            self.storage.store_blob_file(name, data, digest)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            self._locks.pop(folder.name, None)

    def cancel(self, name: str, upload: str) -> None:
        with self.session(name, upload) as folder:
            shutil.rmtree(folder)
            self._hashes.pop(upload, None)
        self._locks.pop(upload, None)

