"""HTTP/1.1 message framing on a socket: requests out, responses in, keep-alive, chunked bodies (RFC 9112).

Why not http.client: it pulls in ssl and the email parser (~10-15 ms of import on every command), and
it hides the socket we need for hijacked attach/exec streams. This is the small part of HTTP/1.1 the
Engine API uses: Content-Length and chunked bodies both ways, read-until-close, 1xx/204/304/HEAD
without a body, and the raw socket plus its buffered reader handed over after a 101.
"""

from __future__ import annotations

import io

import _socket  # socket.py's C core: socket.py itself imports enum and selectors, ~1 ms a command

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any, Iterable

MAX_LINE = 65536


class ProtocolError(Exception):
    """The peer sent something that is not HTTP/1.1, or hung up mid-message."""


class Connection:
    """One client connection. `connect()` is lazy; after a response body is fully read it can be reused."""

    def __init__(self, family: int, address: Any, host: str, timeout: float | None = None) -> None:
        self.family, self.address, self.host, self.timeout = family, address, host, timeout
        self.sock: _socket.socket | None = None
        self.rfile: Any = None

    def connect(self) -> None:
        sock = _socket.socket(self.family, _socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.address)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        self.rfile = io.BufferedReader(SocketReader(sock))

    def close(self) -> None:
        if self.rfile is not None:
            self.rfile.close()
            self.rfile = None
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def request(self, method: str, target: str, headers: dict[str, str], body: Any = None) -> None:
        """Write one request; bytes go with Content-Length, an iterable of bytes goes chunked."""
        if self.sock is None:
            self.connect()
        assert self.sock is not None
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}"]
        chunked = body is not None and not isinstance(body, (bytes, bytearray, str))
        if isinstance(body, str):
            body = body.encode()
        names = {k.lower() for k in headers}
        if chunked:
            if "transfer-encoding" not in names:
                lines.append("Transfer-Encoding: chunked")
        elif "content-length" not in names and (body or method in ("POST", "PUT")):
            lines.append(f"Content-Length: {len(body or b'')}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if not chunked:
            self.sock.sendall(head + (body or b""))
            return
        self.sock.sendall(head)
        for chunk in body:  # type: ignore[union-attr]
            if chunk:
                self.sock.sendall(b"%x\r\n" % len(chunk) + bytes(chunk) + b"\r\n")
        self.sock.sendall(b"0\r\n\r\n")

    def response(self, method: str = "GET") -> "Response":
        """Read a response head; the body is read from the returned Response."""
        if self.rfile is None:
            raise ProtocolError("not connected")
        status_line = self.rfile.readline(MAX_LINE)
        if not status_line:
            raise ConnectionResetError("the daemon closed the connection without answering")
        parts = status_line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise ProtocolError(f"bad status line: {status_line[:80]!r}")
        headers: list[tuple[str, str]] = []
        while True:
            line = self.rfile.readline(MAX_LINE)
            if not line:
                raise ConnectionResetError("the daemon closed the connection in the middle of a response head")
            if line in (b"\r\n", b"\n"):
                break
            key, _, value = line.decode("latin-1").partition(":")
            headers.append((key.strip(), value.strip()))
        return Response(self, int(parts[1]), parts[2] if len(parts) > 2 else "", headers, method, parts[0])


class SocketReader(io.RawIOBase):
    """The raw stream under the buffered reader, as socket.makefile("rb")'s SocketIO: reads are recv()s.
    Closing it leaves the socket open (Connection.close closes both)."""

    def __init__(self, sock: _socket.socket) -> None:
        super().__init__()
        self.sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self.sock.recv_into(buffer)

    def fileno(self) -> int:
        return self.sock.fileno()


class Response:
    """A response whose body is read incrementally: read(n) (exactly n unless the body ends), read1(n), read()."""

    def __init__(self, conn: Connection, status: int, reason: str, headers: list[tuple[str, str]], method: str,
                 version: str) -> None:
        self.conn, self.status, self.reason = conn, status, reason
        self._headers = headers
        self.headers = {k.lower(): v for k, v in headers}
        self._chunk_left = 0
        self._done = False
        te = self.headers.get("transfer-encoding", "").lower()
        connection = self.headers.get("connection", "").lower()
        self.chunked = "chunked" in te
        self.length: int | None = None
        self.will_close = version == "HTTP/1.0" or "close" in connection
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            self.length = 0
        elif not self.chunked and "content-length" in self.headers:
            self.length = int(self.headers["content-length"])
        elif not self.chunked:
            self.will_close = True  # the body runs to the end of the connection
        if self.length == 0 and not (100 <= status < 200):
            self._done = True

    def getheaders(self) -> list[tuple[str, str]]:
        return list(self._headers)

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def _raw(self, n: int) -> bytes:
        return self.conn.rfile.read1(n) if self.conn.rfile is not None else b""

    def read1(self, n: int = 65536) -> bytes:
        """Some of the body (at most n bytes); b"" once it has ended."""
        if self._done:
            return b""
        if self.chunked:
            if self._chunk_left == 0:
                size_line = self.conn.rfile.readline(MAX_LINE)
                if not size_line:
                    raise ProtocolError("connection closed inside a chunked body")
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.conn.rfile.readline(MAX_LINE) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    self._finish()
                    return b""
                self._chunk_left = size
            data = self._raw(min(n, self._chunk_left))
            if not data:
                raise ProtocolError("connection closed inside a chunk")
            self._chunk_left -= len(data)
            if self._chunk_left == 0:
                self.conn.rfile.readline(MAX_LINE)  # the CRLF after the chunk
            return data
        if self.length is not None:
            data = self._raw(min(n, self.length))
            if not data:
                raise ProtocolError("connection closed before the end of the body")
            self.length -= len(data)
            if self.length == 0:
                self._finish()
            return data
        data = self._raw(n)
        if not data:
            self._finish()
        return data

    def read(self, n: int = -1) -> bytes:
        """n bytes (fewer only at the end of the body), or the whole rest with n < 0."""
        out = bytearray()
        while n < 0 or len(out) < n:
            data = self.read1(65536 if n < 0 else n - len(out))
            if not data:
                break
            out += data
        return bytes(out)

    def _finish(self) -> None:
        self._done = True
        if self.will_close:
            self.conn.close()

    def close(self) -> None:
        """Done with it: a body left unread means the connection cannot carry another request."""
        if not self._done:
            self._done = True
            self.conn.close()

    def iter_chunks(self, size: int = 65536) -> Iterable[bytes]:
        while True:
            data = self.read1(size)
            if not data:
                return
            yield data
