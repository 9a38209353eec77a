"""A hijacked connection: after `101 UPGRADED` the socket is a raw duplex stream (cf. docker/cli vendor client/hijack.go, types.HijackedResponse).

The client writes stdin to it and half-closes (shutdown SHUT_WR) to say "end of input"; it reads the
container's output until the daemon closes. Bytes that arrived together with the response head are
kept and handed out first.
"""

from __future__ import annotations

import socket

from .errors import APIError, from_response

MAX_HEAD = 64 * 1024


class Hijacked:
    """Raw bidirectional stream over the upgraded socket."""

    def __init__(self, sock: socket.socket, buffered: bytes = b"") -> None:
        self.sock = sock
        self._buf = buffered
        self._eof = False

    @classmethod
    def after_request(cls, sock: socket.socket, method: str, path: str) -> "Hijacked":
        """Read the response head; 101 or 200 hands the socket over, anything else raises the daemon's error."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                sock.close()
                raise APIError(500, "the daemon closed the connection before answering", method, path)
            data += chunk
            if len(data) > MAX_HEAD:
                sock.close()
                raise APIError(500, "response head too large", method, path)
        head, rest = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 500
        headers = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        if status in (101, 200):
            return cls(sock, rest)
        body = _read_body(sock, headers, rest)
        sock.close()
        raise from_response(status, body, method, path)

    def recv(self, size: int = 65536) -> bytes:
        """Some bytes, or b"" at end of stream."""
        if self._buf:
            out, self._buf = self._buf[:size], self._buf[size:]
            return out
        if self._eof:
            return b""
        try:
            out = self.sock.recv(size)
        except (ConnectionResetError, OSError):
            out = b""
        if not out:
            self._eof = True
        return out

    # `read1` and `read` let the frame demuxer treat this and an HTTPResponse alike.
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
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def fileno(self) -> int:
        return self.sock.fileno()


def _read_body(sock: socket.socket, headers: dict[str, str], rest: bytes) -> bytes:
    """The body of an error answer to a hijack request: Content-Length, chunked, or until close."""
    def more() -> bytes:
        try:
            return sock.recv(65536)
        except OSError:
            return b""

    if "content-length" in headers:
        want = int(headers["content-length"] or 0)
        while len(rest) < want:
            chunk = more()
            if not chunk:
                break
            rest += chunk
        return rest[:want]
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = more()
            if not chunk:
                break
            rest += chunk
        body, pos = b"", 0
        while True:
            end = rest.find(b"\r\n", pos)
            if end < 0:
                return body
            size = int(rest[pos:end].split(b";")[0] or b"0", 16)
            if size == 0:
                return body
            body += rest[end + 2:end + 2 + size]
            pos = end + 2 + size + 2
    while True:
        chunk = more()
        if not chunk:
            return rest
        rest += chunk
