"""Layer compression, recognised by magic bytes rather than trusted from the media type (cf. moby pkg/archive DetectCompression)."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from typing import BinaryIO

from ...errors import Unsupported

_MAGIC = {b"\x1f\x8b\x08": "gzip", b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz", b"\x28\xb5\x2f\xfd": "zstd"}


def detect(head: bytes) -> str | None:
    """"gzip", "bzip2", "xz", "zstd" or None (plain) from a stream's first bytes."""
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            return name
    return None


def open_decompressed(stream: BinaryIO) -> BinaryIO:
    """A reader of the uncompressed bytes of stream, whatever its compression."""
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream, 1 << 16)  # type: ignore[arg-type]
    kind = detect(buffered.peek(6)[:6])
    if kind is None:
        return buffered
    if kind == "gzip":
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    if kind == "bzip2":
        return bz2.BZ2File(buffered, "rb")  # type: ignore[return-value]
    if kind == "xz":
        return lzma.LZMAFile(buffered, "rb")  # type: ignore[return-value]
    try:
        import zstandard  # type: ignore[import-not-found]
    except ImportError:
        raise Unsupported("zstd-compressed layers are not supported (python zstandard is not installed)") from None
    return zstandard.ZstdDecompressor().stream_reader(buffered)  # type: ignore[no-any-return]
