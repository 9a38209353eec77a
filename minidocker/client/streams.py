"""Reading the Engine API's stream formats: multiplexed stdio frames and JSON-message streams (cf. moby pkg/stdcopy, pkg/jsonmessage).

Frames (Tty=false): an 8-byte header [stream, 0, 0, 0, size uint32 big-endian] then `size` bytes;
stream 0 = stdin, 1 = stdout, 2 = stderr, 3 = systemerr. JSON-message streams: a sequence of JSON
objects (one per line in practice, but only concatenation is promised), decoded incrementally.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any, Iterator, Protocol

    class Readable(Protocol):
        def read(self, size: int) -> bytes: ...

        def read1(self, size: int) -> bytes: ...


STDIN, STDOUT, STDERR, SYSTEMERR = 0, 1, 2, 3


def iter_frames(stream: Readable) -> Iterator[tuple[int, bytes]]:
    """(stream id, payload) pairs until the stream ends."""
    while True:
        head = stream.read(8)
        if len(head) < 8:
            return
        size = int.from_bytes(head[4:8], "big")
        payload = stream.read(size) if size else b""
        if head[0] == SYSTEMERR:
            raise RuntimeError(payload.decode("utf-8", "replace"))
        yield head[0], payload


def iter_raw(stream: Readable, size: int = 32768) -> Iterator[bytes]:
    """Chunks of a raw (Tty=true) stream until it ends."""
    while True:
        chunk = stream.read1(size)
        if not chunk:
            return
        yield chunk


def iter_output(stream: Readable, tty: bool) -> Iterator[tuple[int, bytes]]:
    """Either format as (stream id, bytes); a tty stream is all stdout."""
    if tty:
        for chunk in iter_raw(stream):
            yield STDOUT, chunk
    else:
        yield from iter_frames(stream)


def iter_json(stream: Readable) -> Iterator[dict[str, Any]]:
    """Decoded JSON messages, in order, until the stream ends."""
    import json

    decoder = json.JSONDecoder()
    buf = ""
    pending = b""
    while True:
        chunk = stream.read1(65536)
        if not chunk:
            break
        pending += chunk
        try:
            buf += pending.decode("utf-8")
            pending = b""
        except UnicodeDecodeError:  # a multi-byte character split across chunks
            continue
        while True:
            buf = buf.lstrip()
            if not buf:
                break
            try:
                obj, end = decoder.raw_decode(buf)
            except ValueError:
                break
            buf = buf[end:]
            yield obj
    buf = buf.strip()
    if buf:
        yield json.loads(buf)
