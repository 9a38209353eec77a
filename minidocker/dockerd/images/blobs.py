"""The content-store calls the image service makes, in one place (cf. containerd core/content ReaderAt/Writer helpers).

The containerd side exposes a content store (local in-process, or gRPC-backed in the daemon); this
module is the narrow seam between that Protocol and dockerd's image code: read a blob as a file,
write bytes or a stream verified against an expected digest, ask whether a blob is there.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from typing import IO, Any

from ...errors import DigestMismatch, NotFound


class Blobs:
    """dockerd's view of containerd's content store (the ContentStore Protocol of containerd/content/store.py)."""

    def __init__(self, content: Any) -> None:
        self.content = content

    def has(self, digest: str) -> bool:
        return bool(self.content.exists(digest))

    def size(self, digest: str) -> int:
        return int(self.content.info(digest).size)

    def read(self, digest: str) -> bytes:
        return self.content.read_bytes(digest)

    def open(self, digest: str) -> IO[bytes]:
        """A readable binary file of the blob (streamed; the caller closes it)."""
        return self.content.read(digest)

    def write(self, data: bytes | IO[bytes], expected: str = "", ref: str = "") -> str:
        """Store bytes (or a whole stream); returns the digest. With `expected`, a mismatch raises
        DigestMismatch and nothing is committed (the store verifies before it renames into blobs/)."""
        digest, _size = self.content.write_blob(data, expected=expected, ref=ref)
        if expected and digest != expected:
            raise DigestMismatch(f"digest mismatch: expected {expected}, got {digest}")
        return digest

    def delete(self, digest: str) -> None:
        try:
            self.content.delete(digest)
        except NotFound:
            pass

    def layer_tar(self, desc: dict[str, Any]) -> tarfile.TarFile:
        """The layer blob opened as a streamed tar, gunzipped when its magic bytes say gzip (as containerd sniffs)."""
        raw = self.open(desc["digest"])
        head = raw.read(2)
        stream: IO[bytes] = _Prepended(head, raw)
        if head == b"\x1f\x8b":
            stream = gzip.GzipFile(fileobj=stream)  # type: ignore[assignment]
        return tarfile.open(fileobj=stream, mode="r|")

    def unpacked_size(self, desc: dict[str, Any]) -> int:
        """Bytes of the files a layer holds (Docker's layer DiffSize: regular files counted once)."""
        total = 0
        with self.layer_tar(desc) as tar:
            for member in tar:
                if member.isreg():
                    total += member.size
        return total


class _Prepended(io.RawIOBase):
    """A stream whose first bytes were already read (to sniff compression), put back in front."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
        if self.head:
            n = min(len(buf), len(self.head))
            buf[:n], self.head = self.head[:n], self.head[n:]
            return n
        data = self.rest.read(len(buf))
        buf[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.rest.close()
        super().close()
