"""HTTP/1.1 framing for a server that faces hostile clients, on the stdlib's BaseHTTPRequestHandler (cf. Go net/http server.go: readRequest, maxHeaderBytes, closeWriteAndWait).

What the stdlib leaves open, and what this closes:
- a request head is read under one deadline from its first byte and one size limit (408, 414, 431),
  so a client trickling header bytes (slowloris) holds a thread for `header_timeout`, not forever;
- a body is framed by Content-Length or chunked, never both, never a malformed or repeated length (400
  and close: the ambiguities request smuggling lives on);
- a body the handler did not read (an error answered before reading it) is read and discarded before
  the answer when it is small, else the answer says `Connection: close` and the connection closes:
  its bytes are never parsed as the next request (RFC 9112 section 6.3 and 9.6);
- closing after an answer the client is still sending to shuts our side down first and reads a little
  more, so the client sees the answer instead of a TCP reset (Go's closeWriteAndWait);
- `Expect: 100-continue` is answered only when the handler reads the body; refused requests close;
- errors of the stdlib's own parser (bad request line, bad version, too many headers) are answered in
  JSON with `Connection: close`, never as an HTML page a client could take for the next response.
"""

from __future__ import annotations

import io
import json
import re
import socket
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

LENGTH = re.compile(r"^[0-9]{1,19}$")
CHUNK_LINE_MAX = 4096


@dataclass
class Limits:
    """Every bound the server keeps; tests shrink the times."""

    max_header_bytes: int = 64 << 10      # request line + headers (nginx: 4 x 8 KiB; Go: 1 MiB)
    max_request_line: int = 8 << 10
    header_timeout: float = 10.0          # from a request's first byte to the end of its head
    idle_timeout: float = 60.0            # a kept-alive connection waiting for its next request
    body_timeout: float = 30.0            # a body or an answer that makes no progress for this long
    drain_limit: int = 256 << 10          # an unread body up to this is read and dropped (Go: 256 KiB)
    linger_seconds: float = 2.0           # after our answer, how long a closing connection is read
    max_manifest_bytes: int = 4 << 20     # distribution-spec: registries should accept at least 4 MB
    max_blob_bytes: int = 16 << 30
    max_uploads_per_repository: int = 32
    max_connections: int = 256
    upload_idle_seconds: float = 3600.0


class BodyError(Exception):
    """The body broke off, stalled or was framed wrongly: the connection cannot carry another request."""


class Refused(Exception):
    """A request refused before its handler ran: status, reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class Quiet(Exception):
    """The client went away or stayed silent between requests: close without an answer."""


class Body:
    """A request body, as framed by its headers; read() returns b"" at its end and raises BodyError when it breaks."""

    def __init__(self, handler: "SafeHandler", length: int | None, chunked: bool) -> None:
        self.handler, self.length, self.chunked = handler, length, chunked
        self.remaining = 0 if chunked else (length or 0)
        self.done = not chunked and not length
        self.started = False

    def read(self, n: int = -1) -> bytes:
        if self.done:
            return b""
        self._begin()
        if self.chunked and self.remaining == 0:
            self.remaining = self._chunk_size()
            if self.remaining == 0:
                self._trailers()
                self.done = True
                return b""
        want = self.remaining if n < 0 else min(n, self.remaining)
        data = self._raw(want)
        self.remaining -= len(data)
        if self.chunked and self.remaining == 0:
            if self._line() not in (b"\r\n", b"\n"):
                raise BodyError("chunk not followed by CRLF")
        elif not self.chunked and self.remaining == 0:
            self.done = True
        return data

    def read_all(self, limit: int) -> bytes:
        """The whole body, or BodyTooLarge past limit bytes."""
        parts, size = [], 0
        while True:
            data = self.read(1 << 20)
            if not data:
                return b"".join(parts)
            size += len(data)
            if size > limit:
                raise BodyTooLarge(limit)
            parts.append(data)

    def _begin(self) -> None:
        if not self.started:
            self.started = True
            self.handler.continue_if_expected()

    def _raw(self, n: int) -> bytes:
        try:
            data = self.handler.rfile.read1(n) if n else b""
        except (TimeoutError, OSError) as err:
            raise BodyError(f"request body stalled or failed: {err}") from None
        if n and not data:
            raise BodyError("request body ended before its declared length")
        return data

    def _line(self) -> bytes:
        try:
            line = self.handler.rfile.readline(CHUNK_LINE_MAX + 1)
        except (TimeoutError, OSError) as err:
            raise BodyError(f"request body stalled or failed: {err}") from None
        if len(line) > CHUNK_LINE_MAX or not line.endswith(b"\n"):
            raise BodyError("chunk size line too long or cut off")
        return line

    def _chunk_size(self) -> int:
        text = self._line().split(b";", 1)[0].strip()
        if not re.fullmatch(rb"[0-9a-fA-F]{1,15}", text):
            raise BodyError(f"invalid chunk size {text[:20]!r}")
        return int(text, 16)

    def _trailers(self) -> None:
        for _ in range(64):
            if self._line() in (b"\r\n", b"\n"):
                return
        raise BodyError("too many trailer lines")

    def discard(self, limit: int) -> bool:
        """Read and drop up to `limit` more bytes; True if the body is now wholly read."""
        if self.done:
            return True
        if not self.chunked and self.remaining > limit:
            return False
        dropped = 0
        while not self.done and dropped <= limit:
            dropped += len(self.read(64 << 10))
        return self.done


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body larger than {limit} bytes")
        self.limit = limit


class SafeHandler(BaseHTTPRequestHandler):
    """BaseHTTPRequestHandler with bounded heads, strict body framing, and no unread body left behind."""

    protocol_version = "HTTP/1.1"
    limits: Limits = Limits()
    body: Body | None = None
    linger = expecting = answered = False

    # -- reading a request --
    def handle_one_request(self) -> None:
        self.close_connection = True
        self.body, self.expecting, self.linger, self.answered = None, False, False, False
        self.command, self.request_version, self.requestline = "", "HTTP/1.1", ""
        try:
            head = self._read_head()
        except Quiet:
            return
        except Refused as err:
            self.send_error(err.status, err.reason)
            return
        line, _, rest = head.partition(b"\n")
        words = line.decode("latin-1").split()
        if len(words) != 3 or not re.fullmatch(r"HTTP/1\.[01]", words[2]):
            # no HTTP/0.9 (a bare "GET /path" answered without a status line) and no other versions
            self.requestline = line.decode("latin-1").rstrip("\r")[:200]
            self.send_error(505 if len(words) == 3 and words[2].startswith("HTTP/") else 400, "bad request line")
            return
        self.raw_requestline = line + b"\n"
        self.connection.settimeout(self.limits.body_timeout)
        reader, self.rfile = self.rfile, io.BufferedReader(io.BytesIO(rest))
        try:
            parsed = self.parse_request()  # the stdlib's parser, on the head alone
        finally:
            self.rfile = reader
        if not parsed:
            return
        try:
            self.body = self._framing()
        except Refused as err:
            self.send_error(err.status, err.reason)
            return
        method = getattr(self, "do_" + self.command, None)
        if method is None:
            self.send_error(501, f"unsupported method {self.command!r}")
            return
        method()
        self.wfile.flush()
        if self.body is not None and not self.body.done:  # answered without "Connection: close"? settle now
            self.settle_body()

    def _read_head(self) -> bytes:
        """Request line and headers up to the empty line, under one deadline and one size limit."""
        limits, lines, current, total, deadline = self.limits, [], b"", 0, None
        self.connection.settimeout(limits.idle_timeout)
        while True:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Refused(408, "request head not received in time")
                self.connection.settimeout(left)
            try:
                data = self.rfile.peek(1)
            except TimeoutError:
                if deadline is None:
                    raise Quiet() from None
                raise Refused(408, "request head not received in time") from None
            except OSError:
                raise Quiet() from None
            if not data:
                if deadline is None or not (lines or current.strip()):
                    raise Quiet()
                raise Refused(400, "connection closed in the middle of a request head")
            if deadline is None:
                deadline = time.monotonic() + limits.header_timeout
            end = data.find(b"\n")
            piece = self.rfile.read(end + 1 if end >= 0 else len(data))
            current += piece
            total += len(piece)
            if not lines and len(current) > limits.max_request_line:
                raise Refused(414, "request line too long")
            if total > limits.max_header_bytes:
                raise Refused(431, "request header fields too large")
            if not current.endswith(b"\n"):
                continue
            if current in (b"\r\n", b"\n"):
                if lines:
                    return b"".join(lines)
            else:
                lines.append(current)
            current = b""

    def _framing(self) -> Body:
        """The body's framing, refusing every ambiguity (RFC 9112 section 6)."""
        encodings = self.headers.get_all("Transfer-Encoding") or []
        lengths = self.headers.get_all("Content-Length") or []
        if encodings:
            if lengths:
                raise Refused(400, "both Transfer-Encoding and Content-Length")
            if [e.strip().lower() for e in ",".join(encodings).split(",")] != ["chunked"]:
                raise Refused(501, f"unsupported Transfer-Encoding {', '.join(encodings)!r}")
            return Body(self, None, True)
        values = {v.strip() for length in lengths for v in length.split(",")}
        if len(values) > 1 or any(not LENGTH.match(v) for v in values):
            raise Refused(400, f"invalid Content-Length {', '.join(lengths)!r}")
        return Body(self, int(values.pop()) if values else 0, False)

    def handle_expect_100(self) -> bool:
        self.expecting = True  # answered by continue_if_expected() once the handler reads the body
        return True

    def continue_if_expected(self) -> None:
        if self.expecting:
            self.expecting = False
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()

    # -- answering --
    def send_response(self, code: int, message: str | None = None) -> None:
        self.answered = code >= 200
        super().send_response(code, message)

    def settle_body(self) -> None:
        """Before an answer: drop a small unread body, or decide to close the connection."""
        body = self.body
        if body is None or body.done:
            return
        if self.expecting:  # the client waits for our word before sending it: it will not come
            self._close_after_answer()
            return
        try:
            if body.discard(self.limits.drain_limit):
                return
        except BodyError:
            pass
        self._close_after_answer()

    def _close_after_answer(self) -> None:
        self.close_connection = True
        self.linger = True

    def end_headers(self) -> None:
        if self.body is not None and not self.body.done:
            self.settle_body()
        if self.close_connection:
            if not any(h.lower().startswith(b"connection:") for h in getattr(self, "_headers_buffer", [])):
                self.send_header("Connection", "close")
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The stdlib parser's refusals, in the distribution spec's JSON error shape, always closing."""
        self.close_connection, self.linger = True, True
        reason = message or self.responses.get(code, ("error",))[0]
        body = json.dumps({"errors": [{"code": ERROR_CODES.get(code, "UNSUPPORTED"), "message": reason,
                                       "detail": None}]}).encode()
        try:
            self.send_response(code, self.responses.get(code, ("error",))[0])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if getattr(self, "command", "") != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self.linger:
                self._linger()

    def _linger(self) -> None:
        """Shut our side, then read what the client still sends for a moment, so it reads our answer."""
        try:
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + self.limits.linger_seconds
            while (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(left)
                if not self.connection.recv(64 << 10):
                    break
        except OSError:
            pass


ERROR_CODES = {408: "UNSUPPORTED", 413: "SIZE_INVALID", 429: "TOOMANYREQUESTS", 503: "TOOMANYREQUESTS"}
