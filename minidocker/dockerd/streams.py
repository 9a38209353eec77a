"""The stdcopy framing of attach, exec and logs without a tty (cf. moby pkg/stdcopy/stdcopy.go).

Each frame is an 8-byte header [stream, 0, 0, 0, size as big-endian uint32] and the payload; stream 0 is
stdin, 1 stdout, 2 stderr. With a tty there is only one stream and the bytes go raw.
"""

from __future__ import annotations

import struct

STDIN, STDOUT, STDERR = 0, 1, 2
STREAM_IDS = {"stdin": STDIN, "stdout": STDOUT, "stderr": STDERR}
MAX_FRAME = 1 << 20  # split huge payloads: readers size their buffers from the header


def frame(stream: int, payload: bytes) -> bytes:
    """One or more frames carrying payload on the given stream."""
    if len(payload) <= MAX_FRAME:
        return struct.pack(">BxxxI", stream, len(payload)) + payload
    return b"".join(frame(stream, payload[i:i + MAX_FRAME]) for i in range(0, len(payload), MAX_FRAME))


def encoder(tty: bool):
    """The writer for a stream: raw bytes with a tty, frames without."""
    if tty:
        return lambda stream, payload: payload
    return frame


def parse(data: bytes) -> list[tuple[int, bytes]]:
    """Split a complete multiplexed byte string into (stream, payload) pairs (used by tests and the client)."""
    out, i = [], 0
    while i + 8 <= len(data):
        stream, size = struct.unpack(">BxxxI", data[i:i + 8])
        out.append((stream, data[i + 8:i + 8 + size]))
        i += 8 + size
    if i != len(data):
        raise ValueError("truncated multiplexed stream")
    return out
