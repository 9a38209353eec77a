"""HTTP/1.1 to the Engine API over its unix socket: keep-alive calls, chunked streams, hijacked upgrades (cf. docker/cli vendor/github.com/docker/docker/client/{request,hijack,ping}.go, docker-py transport/unixconn.py).

Stdlib only: the CLI imports this on every command. One keep-alive connection carries the ordinary
calls; every streaming or hijacked call gets a connection of its own, as the docker CLI does, so that a
`wait` left pending never blocks the `start` that follows it.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
from typing import Any, Iterable, Mapping
from urllib.parse import quote, urlencode

from .errors import APIError, DaemonUnreachable, from_response
from .hijack import Hijacked

MAX_API_VERSION = "1.41"  # what this client speaks; newer daemons are asked for it by path prefix
FALLBACK_API_VERSION = "1.24"  # the docker CLI's choice when _ping carries no Api-Version header
HOST_ENV = "MINIDOCKER_HOST"
VERSION_ENV = "MINIDOCKER_API_VERSION"
USER_AGENT = "minidocker-client/0.1.0 (linux)"
HOST_HEADER = "api.moby.localhost"  # the docker CLI's Host for unix sockets; dockerd ignores it


def default_host() -> str:
    """-H, else $MINIDOCKER_HOST, else the engine's socket under paths.run_dir()."""
    env = os.environ.get(HOST_ENV)
    if env:
        return env
    from .. import paths

    return "unix://" + str(paths.api_socket())


def parse_host(host: str | None) -> tuple[str, str]:
    """("unix", "/path") or ("tcp", "host:port") from unix:///path, /path or tcp://host:port."""
    host = host or default_host()
    if host.startswith("unix://"):
        return "unix", host[len("unix://"):]
    if host.startswith("/"):
        return "unix", host
    for prefix in ("tcp://", "http://"):
        if host.startswith(prefix):
            return "tcp", host[len(prefix):].rstrip("/")
    raise ValueError(f"unable to parse docker host `{host}`")


class UnixHTTPConnection(http.client.HTTPConnection):
    """An HTTPConnection whose socket is AF_UNIX (the Host header stays a name, as Go's client sends)."""

    def __init__(self, path: str, timeout: float | None = None) -> None:
        super().__init__(HOST_HEADER, timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.unix_path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


def encode_query(query: Mapping[str, Any] | None) -> str:
    """Go's url.Values.Encode: keys sorted, values query-escaped; None dropped, booleans as 1/0."""
    if not query:
        return ""
    if isinstance(query, list):  # pairs, for repeated keys (t=a&t=b, names=..)
        return urlencode([(k, v) for k, v in query if v is not None])
    items = []
    for key in sorted(query):
        value = query[key]
        if value is None:
            continue
        if isinstance(value, bool):
            value = "1" if value else "0"
        elif isinstance(value, (dict, list)):
            value = json.dumps(value, separators=(",", ":"))
        items.append((key, str(value)))
    return urlencode(items)


def quote_path(path: str) -> str:
    """Escape only what would break the request line; names keep `/` and `:` raw, as the docker CLI sends them."""
    return quote(path, safe="/:@!$&'()*+,;=-._~")


class Reply:
    """A finished, non-streamed response: status, headers (lower-case keys) and body bytes."""

    def __init__(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.status, self.headers, self.data = status, headers, data

    def json(self) -> Any:
        return json.loads(self.data) if self.data.strip() else None


class Transport:
    """Sends Engine API requests to one daemon. Negotiates the version with HEAD /_ping on first use."""

    def __init__(self, host: str | None = None, version: str | None = None, timeout: float | None = None) -> None:
        self.scheme, self.address = parse_host(host)
        self.host = host or default_host()
        self.timeout = timeout
        self._version = version or os.environ.get(VERSION_ENV) or None
        self._conn: http.client.HTTPConnection | None = None
        self.ping_headers: dict[str, str] = {}

    # -- connections ---------------------------------------------------------------------------
    def new_connection(self, timeout: float | None = None) -> http.client.HTTPConnection:
        timeout = self.timeout if timeout is None else timeout
        if self.scheme == "unix":
            return UnixHTTPConnection(self.address, timeout=timeout)
        return http.client.HTTPConnection(self.address, timeout=timeout)

    def _connect(self, conn: http.client.HTTPConnection) -> None:
        try:
            conn.connect()
        except PermissionError as err:
            raise DaemonUnreachable(self.host, f"permission denied while trying to connect to the minidocker "
                                               f"daemon socket at {self.host}: {err.strerror}") from None
        except (FileNotFoundError, ConnectionRefusedError, ConnectionResetError, socket.gaierror):
            raise DaemonUnreachable(self.host) from None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- version ---------------------------------------------------------------------------------
    @property
    def version(self) -> str:
        if self._version is None:
            self._version = self.negotiate()
        return self._version

    def negotiate(self) -> str:
        """HEAD /_ping; the lower of the daemon's Api-Version and ours (1.24 when the header is missing)."""
        reply = self.call("HEAD", "/_ping", versioned=False)
        self.ping_headers = reply.headers
        server = reply.headers.get("api-version") or FALLBACK_API_VERSION
        return server if _vtuple(server) < _vtuple(MAX_API_VERSION) else MAX_API_VERSION

    def url(self, path: str, query: Mapping[str, Any] | None = None, versioned: bool = True) -> str:
        prefix = f"/v{self.version}" if versioned else ""
        qs = encode_query(query)
        return prefix + quote_path(path) + ("?" + qs if qs else "")

    # -- requests --------------------------------------------------------------------------------
    def _headers(self, body: Any, headers: Mapping[str, str] | None) -> tuple[Any, dict[str, str]]:
        out = {"User-Agent": USER_AGENT}
        if isinstance(body, (dict, list)):
            body = (json.dumps(body, separators=(",", ":")) + "\n").encode()
            out["Content-Type"] = "application/json"
        if headers:
            out.update(headers)
        return body, out

    def _send(self, conn: http.client.HTTPConnection, method: str, url: str, body: Any,
              headers: dict[str, str]) -> None:
        if conn.sock is None:
            self._connect(conn)
        chunked = body is not None and not isinstance(body, (bytes, bytearray, str))
        conn.request(method, url, body=body, headers=headers, encode_chunked=chunked)

    def call(self, method: str, path: str, query: Mapping[str, Any] | None = None, body: Any = None,
             headers: Mapping[str, str] | None = None, versioned: bool = True, ok: Iterable[int] = ()) -> Reply:
        """One request on the keep-alive connection; an error status raises APIError (unless in `ok`)."""
        url = self.url(path, query, versioned)
        body, hdrs = self._headers(body, headers)
        for attempt in (0, 1):
            reused = self._conn is not None and self._conn.sock is not None
            if self._conn is None:
                self._conn = self.new_connection()
            try:
                self._send(self._conn, method, url, body, hdrs)
                resp = self._conn.getresponse()
                data = resp.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt or not reused:  # a fresh connection failing is a real failure
                    raise DaemonUnreachable(self.host) from None
        reply = Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        if resp.status >= 400 and resp.status not in ok:
            raise from_response(resp.status, data, method, path)
        return reply

    def open(self, method: str, path: str, query: Mapping[str, Any] | None = None, body: Any = None,
             headers: Mapping[str, str] | None = None, timeout: float | None = None) -> http.client.HTTPResponse:
        """A streamed response on a dedicated connection; the caller reads it (read/read1) and closes it."""
        pending = self.send(method, path, query, body, headers, timeout)
        return pending.response()

    def send(self, method: str, path: str, query: Mapping[str, Any] | None = None, body: Any = None,
             headers: Mapping[str, str] | None = None, timeout: float | None = None) -> "Pending":
        """Send a request on a dedicated connection without waiting for the answer (the CLI's early `wait`)."""
        url = self.url(path, query)
        body, hdrs = self._headers(body, headers)
        conn = self.new_connection(timeout)
        self._send(conn, method, url, body, hdrs)
        return Pending(conn, method, path)

    def hijack(self, method: str, path: str, query: Mapping[str, Any] | None = None, body: Any = None,
               headers: Mapping[str, str] | None = None) -> Hijacked:
        """POST with `Connection: Upgrade, Upgrade: tcp`; on 101 (or 200) the socket becomes a raw duplex stream."""
        url = self.url(path, query)
        body, hdrs = self._headers(body, headers)
        hdrs.update({"Connection": "Upgrade", "Upgrade": "tcp"})
        payload = body if isinstance(body, bytes) else (body or "").encode()
        hdrs["Content-Length"] = str(len(payload))
        head = f"{method} {url} HTTP/1.1\r\nHost: {HOST_HEADER}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
        conn = self.new_connection(None)
        self._connect(conn)
        sock = conn.sock
        sock.settimeout(None)
        sock.sendall(head.encode("latin-1") + payload)
        return Hijacked.after_request(sock, method, path)


class Pending:
    """A request already sent whose response is read later (wait is sent before attach and start)."""

    def __init__(self, conn: http.client.HTTPConnection, method: str, path: str) -> None:
        self.conn, self.method, self.path = conn, method, path
        self._resp: http.client.HTTPResponse | None = None

    def wait_headers(self, timeout: float) -> bool:
        """Read the response head if it comes within `timeout` (dockerd flushes wait's at once), so that the
        daemon has surely taken the request before we go on; a daemon that answers later is waited for later."""
        import select

        if self._resp is None and self.conn.sock is not None:
            readable, _, _ = select.select([self.conn.sock], [], [], timeout)
            if readable:
                self._resp = self._getresponse()
        return self._resp is not None

    def _getresponse(self) -> http.client.HTTPResponse:
        try:
            return self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError):
            self.close()
            raise APIError(500, "the daemon closed the connection", self.method, self.path) from None

    def response(self) -> http.client.HTTPResponse:
        resp = self._resp or self._getresponse()
        self._resp = None
        if resp.status >= 400:
            data = resp.read()
            self.close()
            raise from_response(resp.status, data, self.method, self.path)
        return resp

    def json(self) -> Any:
        resp = self.response()
        try:
            data = resp.read()
        finally:
            self.close()
        return json.loads(data) if data.strip() else None

    def close(self) -> None:
        """Hang up: how the CLI cancels a pending wait after `run -d`'s start."""
        self.conn.close()


def _vtuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in version.split("."))
    except ValueError:
        return (0,)
