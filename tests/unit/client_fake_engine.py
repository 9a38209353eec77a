"""A small in-test Engine API server on a unix socket, for the client's transport-level unit tests.

It answers from canned handlers (by default responses captured from a real dockerd) and records
every request, so tests check framing, chunking, hijack and error mapping, and the exact requests the
client sends. It is NOT an engine: end-to-end tests run against the real minidockerd.
"""

from __future__ import annotations

import json
import re
import socket
import socketserver
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

SAMPLES = Path(__file__).parent / "client_samples"  # captured from a real dockerd, see its README


@dataclass
class Seen:
    """One request the fake engine received."""

    method: str
    path: str  # without the query, version prefix kept
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    conn_id: int


@dataclass
class Reply:
    """A canned answer: JSON body, raw bytes, a chunked stream, or a hijack callback taking the socket."""

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    chunks: Any = None  # an iterable of bytes, sent chunked after the head (a generator may block)
    hijack: Callable[[socket.socket, bytes], None] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def sample(name: str) -> Any:
    """The response body of a captured sample."""
    return json.loads((SAMPLES / f"{name}.json").read_text())["response"]


def frame(stream: int, payload: bytes) -> bytes:
    """One multiplexed-stream frame (stdout=1, stderr=2)."""
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


class FakeEngine:
    """Routes are (METHOD, regex on the unversioned path) -> function(Seen) -> Reply."""

    def __init__(self, sock_path: Path, api_version: str | None = "1.41") -> None:
        self.sock_path = sock_path
        self.api_version = api_version
        self.routes: list[tuple[str, re.Pattern[str], Callable[[Seen], Reply]]] = []
        self.seen: list[Seen] = []
        self._conn_counter = 0
        self._lock = threading.Lock()
        self.server: socketserver.ThreadingUnixStreamServer | None = None

    def route(self, method: str, pattern: str, fn: Callable[[Seen], Reply] | Reply) -> None:
        handler = fn if callable(fn) else (lambda _seen, r=fn: r)
        self.routes.insert(0, (method, re.compile(pattern + r"\Z"), handler))

    def requests(self, include_ping: bool = False) -> list[tuple[str, str]]:
        """(method, unversioned path) of what was received, in order."""
        out = []
        for s in self.seen:
            if s.path.endswith("/_ping") and not include_ping:
                continue
            out.append((s.method, re.sub(r"^/v[0-9.]+", "", s.path)))
        return out

    def start(self) -> "FakeEngine":
        engine = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with engine._lock:
                    engine._conn_counter += 1
                    self.conn_id = engine._conn_counter

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def address_string(self) -> str:
                return "unix"

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            self.rfile.readline()
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _handle(self) -> None:
                url = urlsplit(self.path)
                seen = Seen(self.command, url.path, dict(parse_qsl(url.query, keep_blank_values=True)),
                            {k.lower(): v for k, v in self.headers.items()}, self._body(), self.conn_id)
                engine.seen.append(seen)
                bare = re.sub(r"^/v[0-9.]+", "", url.path)
                if bare == "/_ping":
                    self.send_response(200)
                    if engine.api_version:
                        self.send_header("Api-Version", engine.api_version)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", "0" if self.command == "HEAD" else "2")
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(b"OK")
                    return
                for method, pattern, fn in engine.routes:
                    if method == self.command and pattern.match(bare):
                        self._reply(fn(seen))
                        return
                self._reply(Reply(404, {"message": f"page not found: {bare}"}))

            def _reply(self, r: Reply) -> None:
                if r.hijack is not None:
                    self.wfile.write(b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                                     b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
                    self.wfile.flush()
                    r.hijack(self.connection, b"")
                    self.close_connection = True
                    return
                self.send_response(r.status)
                for k, v in r.headers.items():
                    self.send_header(k, v)
                if r.chunks is not None:
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for c in r.chunks:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                    return
                data = r.raw if r.raw is not None else (b"" if r.body is None else json.dumps(r.body).encode())
                if r.raw is None and r.body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":  # a HEAD answer has the headers of a GET and no body
                    self.wfile.write(data)

            do_GET = do_POST = do_HEAD = do_DELETE = do_PUT = _handle

        class Server(socketserver.ThreadingUnixStreamServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:  # a client hanging up is normal here
                pass

        self.server = Server(str(self.sock_path), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def install_samples(engine: FakeEngine) -> None:
    """Routes answering with the captured Docker samples (what a real daemon said)."""
    engine.route("GET", r"/version", Reply(body=sample("version-1")))
    engine.route("GET", r"/info", Reply(body=sample("info-1")))
    engine.route("GET", r"/containers/json", Reply(body=sample("ps-running-1")))
    engine.route("GET", r"/containers/[^/]+/json", Reply(body=sample("inspect-1")))
    engine.route("GET", r"/containers/[^/]+/top", Reply(body=sample("top-1")))
    engine.route("GET", r"/images/json", Reply(body=sample("images-1")))
    engine.route("GET", r"/images/.+/history", Reply(body=sample("history-1")))
    engine.route("GET", r"/images/.+/json", Reply(body=sample("image-inspect-1")))
    engine.route("GET", r"/system/df", Reply(body=sample("system-df-1")))
    engine.route("GET", r"/exec/[^/]+/json", Reply(body=sample("exec-1")))
