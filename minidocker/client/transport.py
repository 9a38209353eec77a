"""HTTP/1.1 to the Engine API over its unix socket: keep-alive calls, streams, hijacked upgrades (cf. moby client/{request,hijack,ping}.go, docker-py transport/unixconn.py).

Stdlib C modules only (_socket, _json; the HTTP framing is wire.py): the CLI imports this on every command. One
keep-alive connection carries the ordinary calls; every streaming or hijacked call gets a connection of
its own, as the docker CLI does, so that a `wait` left pending never blocks the `start` that follows it.
"""

from __future__ import annotations

import os

import _socket

from .. import jsonfast
from .errors import APIError, DaemonUnreachable, from_response
from .wire import Connection, ProtocolError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any, Iterable, Mapping

    from .hijack import Hijacked
    from .wire import Response

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

    return "unix://" + paths.api_socket_name()


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


def encode_query(query: Mapping[str, Any] | None) -> str:
    """Go's url.Values.Encode: keys sorted, values query-escaped; None dropped, booleans as 1/0."""
    if not query:
        return ""
    if isinstance(query, list):  # pairs, for repeated keys (t=a&t=b, names=..)
        return "&".join(f"{_qescape(k)}={_qescape(str(v))}" for k, v in query if v is not None)
    items = []
    for key in sorted(query):
        value = query[key]
        if value is None:
            continue
        if isinstance(value, bool):
            value = "1" if value else "0"
        elif isinstance(value, (dict, list)):
            value = jsonfast.dumps(value, separators=(",", ":"))
        items.append((key, str(value)))
    return "&".join(f"{_qescape(k)}={_qescape(v)}" for k, v in items)


_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
_PATH_SAFE = _UNRESERVED | frozenset(b"/:@!$&'()*+,;=")


def _escape(text: str, safe: frozenset, space: str) -> str:
    out = []
    for byte in text.encode("utf-8"):
        if byte in safe:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append(space)
        else:
            out.append("%%%02X" % byte)
    return "".join(out)


def _qescape(text: str) -> str:
    """Go's url.QueryEscape (urllib's quote_plus): space as +, everything but unreserved escaped."""
    return _escape(text, _UNRESERVED, "+")


def quote_path(path: str) -> str:
    """Escape only what would break the request line; names keep `/` and `:` raw, as the docker CLI sends them."""
    return _escape(path, _PATH_SAFE, "%20")


class Reply:
    """A finished, non-streamed response: status, headers (lower-case keys) and body bytes."""

    def __init__(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.status, self.headers, self.data = status, headers, data

    def json(self) -> Any:
        return jsonfast.loads(self.data) if self.data.strip() else None


class Transport:
    """Sends Engine API requests to one daemon. Negotiates the version with HEAD /_ping on first use."""

    def __init__(self, host: str | None = None, version: str | None = None, timeout: float | None = None) -> None:
        self.scheme, self.address = parse_host(host)
        self.host = host or default_host()
        self.timeout = timeout
        self._version = version or os.environ.get(VERSION_ENV) or None
        self._conn: Connection | None = None
        self.ping_headers: dict[str, str] = {}

    # -- connections ---------------------------------------------------------------------------
    def new_connection(self, timeout: float | None = None) -> Connection:
        timeout = self.timeout if timeout is None else timeout
        if self.scheme == "unix":
            return Connection(_socket.AF_UNIX, self.address, HOST_HEADER, timeout)
        host, _, port = self.address.rpartition(":")
        return Connection(_socket.AF_INET, (host or "127.0.0.1", int(port or 2375)), self.address, timeout)

    def _connect(self, conn: Connection) -> None:
        try:
            conn.connect()
        except PermissionError as err:
            raise DaemonUnreachable(self.host, f"permission denied while trying to connect to the minidocker "
                                               f"daemon socket at {self.host}: {err.strerror}") from None
        except (FileNotFoundError, ConnectionRefusedError, ConnectionResetError, _socket.gaierror):
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
            body = (jsonfast.dumps(body, separators=(",", ":")) + "\n").encode()
            out["Content-Type"] = "application/json"
        if headers:
            out.update(headers)
        return body, out

    def _send(self, conn: Connection, method: str, url: str, body: Any, headers: dict[str, str]) -> None:
        if conn.sock is None:
            self._connect(conn)
        conn.request(method, url, headers, body)

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
                resp = self._conn.response(method)
                data = resp.read()
                break
            except (ProtocolError, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt or not reused:  # a fresh connection failing is a real failure
                    raise DaemonUnreachable(self.host) from None
        reply = Reply(resp.status, resp.headers, data)
        if resp.status >= 400 and resp.status not in ok:
            raise from_response(resp.status, data, method, path)
        return reply

    def open(self, method: str, path: str, query: Mapping[str, Any] | None = None, body: Any = None,
             headers: Mapping[str, str] | None = None, timeout: float | None = None) -> Response:
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
        conn = self.new_connection(None)
        self._connect(conn)
        conn.request(method, url, hdrs, body if body is not None else b"")
        try:
            resp = conn.response(method)
        except (ProtocolError, ConnectionResetError) as err:
            conn.close()
            raise APIError(500, str(err), method, path) from None
        if resp.status in (101, 200):  # 200: a daemon that streams without the upgrade dance
            from .hijack import Hijacked

            return Hijacked(conn.sock, conn.rfile)
        data = resp.read()
        conn.close()
        raise from_response(resp.status, data, method, path)


class Pending:
    """A request already sent whose response is read later (wait is sent before attach and start)."""

    def __init__(self, conn: Connection, method: str, path: str) -> None:
        self.conn, self.method, self.path = conn, method, path
        self._resp: Response | None = None

    def wait_headers(self, timeout: float) -> bool:
        """Read the response head if it comes within `timeout` (dockerd flushes wait's at once), so that the
        daemon has surely taken the request before we go on; a daemon that answers later is waited for later."""
        import select

        if self._resp is None and self.conn.sock is not None:
            readable, _, _ = select.select([self.conn.sock], [], [], timeout)
            if readable:
                self._resp = self._getresponse()
        return self._resp is not None

    def _getresponse(self) -> Response:
        try:
            return self.conn.response(self.method)
        except (ProtocolError, ConnectionResetError):
            self.close()
            raise APIError(500, "the daemon closed the connection", self.method, self.path) from None

    def response(self) -> Response:
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
        return jsonfast.loads(data) if data.strip() else None

    def close(self) -> None:
        """Hang up: how the CLI cancels a pending wait after `run -d`'s start."""
        self.conn.close()


def _vtuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in version.split("."))
    except ValueError:
        return (0,)
