"""A hijacked connection: after `101 UPGRADED` the socket is a raw duplex stream (cf. docker/cli vendor client/hijack.go, types.HijackedResponse).

The client writes stdin to it and half-closes (shutdown SHUT_WR) to say "end of input"; it reads the
container's output until the daemon closes. Reads go through the connection's buffered reader, so
bytes that arrived together with the response head are not lost.
"""

from __future__ import annotations

import _socket

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any


class Hijacked:
    """Raw bidirectional stream over the upgraded socket."""

    def __init__(self, sock: _socket.socket, rfile: Any) -> None:
        self.sock = sock
        self.sock.settimeout(None)
        self.rfile = rfile

    def recv(self, size: int = 65536) -> bytes:
        """Some bytes, or b"" at end of stream."""
        try:
            return self.rfile.read1(size)
        except (ConnectionResetError, OSError, ValueError):
            return b""

    # `read1` and `read` let the frame demuxer treat this and an HTTP response alike.
    read1 = recv

    def read(self, size: int) -> bytes:
        """Exactly `size` bytes unless the stream ends first."""
        out = b""
        while len(out) < size:
            chunk = self.recv(size - len(out))
            if not chunk:
                break
            out += chunk
        return out

    def sendall(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close_write(self) -> None:
        """Half-close: the daemon sees EOF on the container's stdin, output keeps flowing back."""
        try:
            self.sock.shutdown(_socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        for thing in (self.rfile, self.sock):
            try:
                thing.close()
            except OSError:
                pass

    def fileno(self) -> int:
        return self.sock.fileno()
