"""The Engine API's HTTP/1.1 server on a unix socket: keep-alive, chunked streams, hijacked connections (cf. moby api/server/server.go).

Hand-written on socketserver rather than a framework because `attach` and `exec start` take the raw
socket over after the `101 UPGRADED` line, and `wait` must flush its headers before its body exists.
Every error a handler raises becomes {"message": ...} with its status HERE and nowhere else.
"""

from __future__ import annotations

import json
import logging
import os
import re
import select
import socket
import socketserver
import threading
from typing import Any, Iterable
from urllib.parse import parse_qsl, unquote

from ... import paths, trace
from ...errors import MinidockerError
from . import router

API_VERSION = "1.41"
MIN_API_VERSION = "1.12"
VERSION_PREFIX = re.compile(r"^/v(\d+\.\d+)(/.*)$")
REASONS = {101: "UPGRADED", 200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified",
           400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
           500: "Internal Server Error", 501: "Not Implemented", 505: "HTTP Version Not Supported"}
MAX_HEADER_LINES = 200
IN_MEMORY_BODY = 1 << 20  # larger request bodies are spooled to a file (see _read_body)
READ_BLOCK = 1 << 16

log = logging.getLogger("minidockerd.api")


class Connection:
    """A client socket with a read buffer: HTTP parsing reads lines, and a hijack must see bytes already buffered."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.write_lock = threading.Lock()

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def readline(self, limit: int = 65536) -> bytes:
        while b"\n" not in self.buf:
            if len(self.buf) > limit or not self._fill():
                break
        idx = self.buf.find(b"\n")
        end = len(self.buf) if idx < 0 else idx + 1
        line = bytes(self.buf[:end])
        del self.buf[:end]
        return line

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionError("client closed the connection mid-body")
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def recv(self, n: int = 65536) -> bytes:
        """Raw read for hijacked streams: buffered bytes first, then the socket (b"" = the client half-closed)."""
        if self.buf:
            data = bytes(self.buf[:n])
            del self.buf[:n]
            return data
        return self.sock.recv(n)

    def sendall(self, data: bytes) -> None:
        with self.write_lock:
            self.sock.sendall(data)

    def peer_gone(self) -> bool:
        """True once the client has closed the connection: lets pending waits, follows and attaches end.

        A half-close is not a hang-up: the docker CLI shuts its writing side of an attach down when it
        has no stdin to send, and keeps reading. On a unix socket only a full close raises POLLHUP; a
        TCP peer's FIN looks like a half-close, so there an end of file counts as gone (TCP clients
        that half-close keep their streams only while output flows).
        """
        if self.buf:
            return False
        try:
            poller = select.poll()
            poller.register(self.sock, select.POLLIN | select.POLLHUP | select.POLLERR)
            events = poller.poll(0)
        except (OSError, ValueError):
            return True
        mask = events[0][1] if events else 0
        if mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
            return True
        if self.sock.family != socket.AF_UNIX and mask & select.POLLIN:
            try:
                return self.sock.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True
        return False

    def wait_drained(self, timeout: float = 0.2) -> None:
        """Wait until the client has read everything sent so far (the socket's send queue is empty).

        Clients built on http.client (docker-py) read the 101 response through a buffer and then take
        the raw socket: stream bytes that arrived glued to the headers would sit in that buffer, lost.
        """
        import fcntl
        import struct
        import termios
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                pending = struct.unpack("i", fcntl.ioctl(self.sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]
            except OSError:
                return  # not a socket that can tell (nothing to wait for)
            if pending == 0:
                return
            time.sleep(0.0005)

    def shutdown_write(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _read_body(conn: Connection, headers: dict[str, str]) -> tuple[bytes, Any]:
    """(body, None) for a small body; (b"", spooled file) for one over IN_MEMORY_BODY (an image to load or
    import, a build context): memory stays bounded whatever the client sends (cf. moby, which streams
    r.Body into the image importer). A malformed length or chunk size closes the connection."""
    spool = None
    small = bytearray()

    def take(data: bytes) -> None:
        nonlocal spool
        if spool is None and len(small) + len(data) > IN_MEMORY_BODY:
            spool = _spool_file()
            spool.write(small)
            small.clear()
        if spool is None:
            small.extend(data)
        else:
            spool.write(data)

    try:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                size = int(conn.readline().split(b";")[0].strip() or b"0", 16)
                if size < 0:
                    raise ValueError("negative chunk size")
                if size == 0:
                    while conn.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                while size:
                    n = min(size, READ_BLOCK)
                    take(conn.read_exact(n))
                    size -= n
                conn.read_exact(2)
        else:
            left = int(headers.get("content-length") or 0)
            if left < 0:
                raise ValueError("negative content-length")
            while left:
                n = min(left, READ_BLOCK)
                take(conn.read_exact(n))
                left -= n
    except ValueError as err:
        if spool is not None:
            spool.close()
        raise ConnectionError(f"malformed request body: {err}") from None
    if spool is None:
        return bytes(small), None
    spool.seek(0)
    return b"", spool


def _spool_file():
    """An unnamed file under the engine's state (not /tmp, often a small tmpfs), gone when closed."""
    import tempfile

    where = paths.state_dir() / "tmp"
    where.mkdir(parents=True, exist_ok=True, mode=0o700)
    return tempfile.TemporaryFile(dir=where)


def _span_name(method: str, target: str) -> str:
    """A request's name in a trace: the path without its version and with ids shortened."""
    path = VERSION_PREFIX.sub(r"\2", target.partition("?")[0])
    return f"{method} " + re.sub(r"[0-9a-f]{64}", lambda m: m.group(0)[:12], path)


def _os_error_text(err: OSError) -> str:
    text = os.strerror(err.errno).lower() if err.errno else str(err)
    return f"{err.filename}: {text}" if err.filename else text


class APIHandler(socketserver.BaseRequestHandler):
    """One client connection: requests in a loop while the client keeps the connection alive."""

    server: "APIServer"

    def handle(self) -> None:
        conn = Connection(self.request)
        try:
            while self._one(conn):
                pass
        except (ConnectionError, OSError) as err:
            log.debug("connection ended: %s", err)

    def _one(self, conn: Connection) -> bool:
        line = conn.readline()
        if not line:
            return False
        while line in (b"\r\n", b"\n"):  # tolerate stray CRLF between requests
            line = conn.readline()
            if not line:
                return False
        try:
            method, target, version = line.decode("latin-1").split()
        except ValueError:
            self._send(conn, 400, {"message": "malformed request line"}, keep=False)
            return False
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADER_LINES):
            hl = conn.readline()
            if hl in (b"\r\n", b"\n", b""):
                break
            key, _, value = hl.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        if headers.get("expect", "").lower() == "100-continue":  # curl, for bodies over 1 KiB
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        body, body_file = _read_body(conn, headers)
        keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        if version == "HTTP/1.0" and headers.get("connection", "").lower() == "keep-alive":
            keep = True
        try:
            with trace.span(_span_name(method, target) if trace.directory() else ""):
                return self._dispatch(conn, method.upper(), target, headers, body, keep, body_file)
        finally:
            if body_file is not None:
                body_file.close()

    def _dispatch(self, conn: Connection, method: str, target: str, headers: dict[str, str],
                  body: bytes, keep: bool, body_file: Any = None) -> bool:
        raw_path, _, raw_query = target.partition("?")
        path = unquote(raw_path)
        m = VERSION_PREFIX.match(path)
        if m:
            path = m.group(2)
            asked = tuple(int(x) for x in m.group(1).split("."))
            if asked > tuple(int(x) for x in API_VERSION.split(".")):
                self._send(conn, 400, {"message": f"client version {m.group(1)} is too new. Maximum supported API version is {API_VERSION}"}, keep=keep)
                return keep
            if asked < tuple(int(x) for x in MIN_API_VERSION.split(".")):
                # dockerd's words; below API 1.24 it writes errors as plain text, not JSON (cf. moby
                # api/server/middleware/version.go and httputils.MakeErrorHandler)
                self._send(conn, 400, f"client version {m.group(1)} is too old. Minimum supported API version is "
                           f"{MIN_API_VERSION}, please upgrade your client to a newer version\n", keep=keep,
                           content_type="text/plain; charset=utf-8")
                return keep
        query: dict[str, str] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            query.setdefault(key, value)  # Go's FormValue: a repeated parameter's first value
        found = router.match(method, path)
        if found is None:
            self._send(conn, 404, {"message": "page not found"}, keep=keep)
            return keep
        route, params = found
        req = router.Request(method, path, params, query, headers, body, self.server.backend, conn, raw_query,
                             body_file)
        try:
            resp = route.handler(req)
        except MinidockerError as err:
            log.debug("%s %s -> %d %s", method, path, err.status, err)
            self._send(conn, err.status, {"message": str(err)}, keep=keep, head=method == "HEAD")
            return keep
        except OSError as err:  # ENOSPC, EIO...: in Go's words ("write /x: no space left on device"), no traceback
            log.error("%s %s failed: %s", method, path, err)
            self._send(conn, 500, {"message": _os_error_text(err)}, keep=keep, head=method == "HEAD")
            return keep
        except Exception as err:  # a bug or an unexpected kernel error: still one JSON message
            log.exception("%s %s failed", method, path)
            self._send(conn, 500, {"message": str(err) or type(err).__name__}, keep=keep, head=method == "HEAD")
            return keep
        log.debug("%s %s -> %d", method, target, resp.status)
        if resp.hijack is not None:
            self._hijack(conn, headers, resp)
            return False
        if resp.stream is not None:
            return self._stream(conn, resp, keep, method == "HEAD")
        self._send(conn, resp.status, resp.body, keep=keep, head=method == "HEAD",
                   content_type=resp.content_type, extra=resp.headers)
        return keep

    # ---- writing ----

    def _head(self, status: int, headers: Iterable[tuple[str, str]]) -> bytes:
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
        lines += [f"{k}: {v}" for k, v in self.server.identity_headers()]
        lines += [f"{k}: {v}" for k, v in headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send(self, conn: Connection, status: int, body: Any, keep: bool, head: bool = False,
              content_type: str | None = "application/json", extra: dict[str, str] | None = None) -> None:
        if body is None or status in (204, 304):
            data = b""
        elif isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode() + b"\n"
        headers: list[tuple[str, str]] = []
        if content_type and status not in (204, 304):
            headers.append(("Content-Type", content_type))
        headers += list((extra or {}).items())
        if status not in (204, 304):
            headers.append(("Content-Length", str(len(data))))
        if not keep:
            headers.append(("Connection", "close"))
        conn.sendall(self._head(status, headers) + (b"" if head else data))

    def _stream(self, conn: Connection, resp: router.Response, keep: bool, head: bool) -> bool:
        headers = [("Content-Type", resp.content_type)] if resp.content_type else []
        headers += list(resp.headers.items())
        headers.append(("Transfer-Encoding", "chunked"))
        stream = iter(resp.stream or ())
        try:
            conn.sendall(self._head(resp.status, headers))  # at once: `wait` callers need the headers now
            if not head:
                for chunk in stream:
                    if chunk:
                        conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            keep = False
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()  # lets generators release subscriptions when the client hung up
        return keep

    def _hijack(self, conn: Connection, headers: dict[str, str], resp: router.Response) -> None:
        upgrade = "upgrade" in headers.get("connection", "").lower() or "upgrade" in headers
        ctype = "application/vnd.docker.raw-stream"  # 1.41: raw-stream even when the payload is multiplexed
        if upgrade:
            head = self._head(101, [("Content-Type", ctype), ("Connection", "Upgrade"), ("Upgrade", "tcp")])
        else:
            head = self._head(200, [("Content-Type", ctype)])
        conn.sendall(head)
        conn.wait_drained()
        try:
            assert resp.hijack is not None
            resp.hijack(conn)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            conn.shutdown_write()


class APIServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """The unix-socket listener; one thread per connection (streams block their own thread only)."""

    daemon_threads = True
    allow_reuse_address = True
    # A unix socket refuses connections at once when its backlog is full (no SYN retry as with TCP):
    # every `docker run` opens several connections, so keep Go's SOMAXCONN-sized backlog, not 5.
    request_queue_size = 4096

    def __init__(self, path: str, backend: Any, server_version: str) -> None:
        self.backend = backend
        self._identity = [("Api-Version", API_VERSION), ("Docker-Experimental", "false"),
                          ("Ostype", "linux"), ("Server", f"Docker/{server_version} (linux)")]
        super().__init__(path, APIHandler, bind_and_activate=True)

    def identity_headers(self) -> list[tuple[str, str]]:
        return self._identity


class TCPAPIServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """The optional TCP listener (`--host tcp://ADDR:PORT`): same handler, no TLS, so only when asked."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 4096

    def __init__(self, addr: tuple[str, int], backend: Any, server_version: str) -> None:
        self.backend = backend
        self._identity = [("Api-Version", API_VERSION), ("Docker-Experimental", "false"),
                          ("Ostype", "linux"), ("Server", f"Docker/{server_version} (linux)")]
        super().__init__(addr, APIHandler, bind_and_activate=True)

    def identity_headers(self) -> list[tuple[str, str]]:
        return self._identity


def listen_unix(path: str, backend: Any, server_version: str, group: str | None = "minidocker") -> APIServer:
    """Bind the API socket with mode 0660 (root and the `group`; 0600 without one, as a rootless
    engine's), replacing a stale socket file."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    old = os.umask(0o117)  # the socket is born 0660: never a window where others could connect
    try:
        server = APIServer(path, backend, server_version)
    finally:
        os.umask(old)
    os.chmod(path, 0o660 if group else 0o600)
    if group:
        import grp

        try:
            os.chown(path, 0, grp.getgrnam(group).gr_gid)
        except (KeyError, PermissionError):
            pass
    return server
