"""The local content store: an OCI image layout on disk (cf. containerd plugins/content/local/store.go).

<root>/oci-layout, <root>/index.json      the OCI image layout header and index (index kept for interop)
<root>/blobs/sha256/<hex>                 committed blobs, read-only files
<root>/ingest/<ref>.<random>              writes in progress (private to one writer)
<root>/labels/sha256/<hex>.json           mutable labels beside the immutable bytes
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import time
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from ...errors import NotFound
from ...linux.removeall import remove_all
from ...linux.atomicfile import write_atomic
from ...oci.image import OCI_INDEX, Index, canonical_json, digest_hex, validate_digest
from .store import Info, write_through
from .writer import IngestWriter

_CHUNK = 1 << 20


def _unlocked(path: str) -> bool:
    """Nobody holds the ingest's lock (its writer is gone)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


class LocalStore:
    """A ContentStore (see store.py) over one directory."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self._blobs = self.root / "blobs" / "sha256"
        self._ingest = self.root / "ingest"
        self._labels = self.root / "labels" / "sha256"
        for d in (self._blobs, self._ingest, self._labels):
            d.mkdir(parents=True, exist_ok=True)
        layout = self.root / "oci-layout"
        if not layout.exists():
            write_atomic(layout, b'{"imageLayoutVersion":"1.0.0"}')
        if not (self.root / "index.json").exists():
            self.write_index(Index(media_type=OCI_INDEX))
        self.abort_stale_ingests()  # a pull killed with its process (or a crash) leaves partial downloads

    # ---- reading ----
    def _blob(self, digest: str) -> Path:
        return self._blobs / digest_hex(digest)

    def exists(self, digest: str) -> bool:
        return self._blob(digest).is_file()

    def path(self, digest: str) -> Path:
        p = self._blob(digest)
        if not p.is_file():
            raise NotFound(f"content {digest}: not found")
        return p

    def info(self, digest: str) -> Info:
        try:
            st = os.stat(self._blob(digest))
        except FileNotFoundError:
            raise NotFound(f"content {digest}: not found") from None
        labels, updated = self._read_labels(digest)
        return Info(digest=digest, size=st.st_size, created_at=st.st_mtime,
                    updated_at=max(st.st_mtime, updated), labels=labels)

    def read(self, digest: str, offset: int = 0) -> BinaryIO:
        f = open(self.path(digest), "rb")
        if offset:
            f.seek(offset)
        return f

    def read_bytes(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def walk(self) -> Iterator[Info]:
        for name in sorted(os.listdir(self._blobs)):
            if len(name) == 64 and not name.startswith("."):
                try:
                    yield self.info("sha256:" + name)
                except (NotFound, ValueError):
                    continue  # deleted meanwhile, or a stray file: not content

    def list(self) -> list[Info]:
        return list(self.walk())

    # ---- writing ----
    def writer(self, ref: str = "", expected: str = "", total: int = 0) -> IngestWriter:
        ref = ref or secrets.token_hex(8)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in ref)[:64]
        tmp = self._ingest / f"{safe}.{secrets.token_hex(6)}"
        return IngestWriter(tmp, ref, expected, total, self._publish)

    def _publish(self, tmp: Path, digest: str, labels: dict[str, str] | None) -> None:
        # rename(2) is atomic: readers see no blob or the whole verified blob. Two writers of the same
        # blob both verified the same bytes, so whichever rename lands last changes nothing.
        os.replace(tmp, self._blob(digest))
        if labels:
            self.update(digest, labels)

    def write_blob(self, data: bytes | BinaryIO, expected: str = "", ref: str = "",
                   labels: dict[str, str] | None = None) -> tuple[str, int]:
        return write_through(self, data, expected, ref, labels, _CHUNK)

    def delete(self, digest: str) -> None:
        try:
            os.unlink(self._blob(digest))
        except FileNotFoundError:
            raise NotFound(f"content {digest}: not found") from None
        try:
            os.unlink(self._labels / (digest_hex(digest) + ".json"))
        except FileNotFoundError:
            pass

    # ---- labels ----
    @contextmanager
    def _labels_lock(self) -> Iterator[None]:
        with open(self.root / "labels" / ".lock", "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            yield

    def _read_labels(self, digest: str) -> tuple[dict[str, str], float]:
        p = self._labels / (digest_hex(digest) + ".json")
        try:
            return json.loads(p.read_bytes()), p.stat().st_mtime
        except FileNotFoundError:
            return {}, 0.0

    def update(self, digest: str, labels: dict[str, str]) -> Info:
        validate_digest(digest)
        with self._labels_lock():
            if not self.exists(digest):
                raise NotFound(f"content {digest}: not found")
            current, _ = self._read_labels(digest)
            for k, v in labels.items():
                if v:
                    current[k] = v
                else:
                    current.pop(k, None)
            p = self._labels / (digest_hex(digest) + ".json")
            if current:
                write_atomic(p, canonical_json(current))
            elif p.exists():
                p.unlink()
        return self.info(digest)

    # ---- the layout's index.json ----
    def read_index(self) -> Index:
        return Index.from_bytes((self.root / "index.json").read_bytes())

    def write_index(self, index: Index) -> None:
        write_atomic(self.root / "index.json", canonical_json(index))

    def abort_stale_ingests(self, older_than: float = 0) -> int:
        """Remove ingests whose writer is gone (killed pulls, crashes); returns how many.

        A live writer holds an flock on its file (writer.py), in this process or another, and is never
        touched; containerd expires ingests by age instead, which leaves a killed pull's partial
        download on disk for a day. older_than additionally spares ingests modified recently."""
        now, removed = time.time(), 0
        for entry in os.scandir(self._ingest):
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime < older_than:
                    continue
                if entry.is_file(follow_symlinks=False) and not _unlocked(entry.path):
                    continue  # a writer is alive
                remove_all(entry.path)
                removed += 1
            except FileNotFoundError:
                continue  # committed or aborted meanwhile
        return removed
