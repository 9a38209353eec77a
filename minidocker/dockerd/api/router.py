"""The route table: (method, path pattern) -> handler, shared by every handler module (cf. moby api/server/router).

Handler modules register with the `route` decorator and never touch sockets; the HTTP server
(dockerd/api/server.py) strips any /vX.YY prefix, matches a route, builds a Request and turns the
returned Response into bytes. Errors raised as minidocker.errors.* become {"message": ...} with
their status in ONE place (the server).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

MAX_JSON_BODY = 16 << 20  # no create/network/exec body comes near it
TRUE_WORDS = {"1", "true", "True", "TRUE", "yes"}
FALSE_WORDS = {"0", "false", "False", "FALSE", "no", ""}


def _kind(value: Any) -> str:
    from ..apitypes import json_kind

    return json_kind(value)


@dataclass
class Request:
    """One parsed API request. `params` are path parameters, `query` the raw query (first value wins, as Go's FormValue)."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]  # keys lower-cased
    body: bytes = b""
    backend: Any = None  # the daemon object handlers call into
    conn: Any = None  # the raw socket, for handlers that hijack the connection
    raw_query: str = ""  # the query string as sent, for parameters given several times (build's t=)
    body_file: Any = None  # a body too big to hold in memory, spooled to disk by the server (then body is b"")

    def body_stream(self) -> Any:
        """The body as a binary file (image tars, build contexts): read it in blocks, never whole."""
        import io

        if self.body_file is not None:
            self.body_file.seek(0)
            return self.body_file
        return io.BytesIO(self.body)

    def query_list(self, name: str) -> list[str]:
        """Every value of a repeated query parameter (`t=a&t=b`), in order."""
        from urllib.parse import parse_qsl

        if self.raw_query:
            return [v for k, v in parse_qsl(self.raw_query, keep_blank_values=True) if k == name]
        return [self.query[name]] if name in self.query else []

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean query parameter: 0/1/true/false/True/False (docker CLI and docker-py both)."""
        value = self.query.get(name)
        if value is None:
            return default
        if value in TRUE_WORDS:
            return True
        if value in FALSE_WORDS:
            return False
        from ...errors import InvalidArgument

        raise InvalidArgument(f"invalid boolean value for {name}: {value!r}")

    def json(self, go_type: Any = None) -> Any:
        """The body as JSON (None when empty), checked against the Go type dockerd decodes it into (see dockerd/apitypes.py)."""
        from ...errors import InvalidArgument

        raw = self.body
        if not raw and self.body_file is not None:
            self.body_file.seek(0)
            raw = self.body_file.read(MAX_JSON_BODY + 1)
            if len(raw) > MAX_JSON_BODY:
                raise InvalidArgument(f"request body too large: a JSON body is at most {MAX_JSON_BODY} bytes")
        if not raw:
            return None
        try:
            body = json.loads(raw)
        except ValueError as err:
            raise InvalidArgument(f"invalid JSON body: {err}") from None
        if go_type is not None:
            from ..apitypes import check

            check(body, go_type)
        return body

    def filters(self) -> dict[str, list[str]]:
        """The `filters` query: {"key": ["v"]} or the map-of-bools form {"key": {"v": true}}, as a dict of lists."""
        raw = self.query.get("filters")
        if not raw:
            return {}
        from ...errors import InvalidArgument

        try:
            parsed = json.loads(raw)
        except ValueError:
            raise InvalidArgument(f"invalid filter {raw!r}") from None
        if not isinstance(parsed, dict):  # dockerd's words (filters.FromJSON), 400 here as every bad filter
            raise InvalidArgument(f"json: cannot unmarshal {_kind(parsed)} into Go value of type "
                                  "map[string]map[string]bool")
        out: dict[str, list[str]] = {}
        for key, values in parsed.items():
            if isinstance(values, dict):
                out[key] = [k for k, v in values.items() if v]
            elif isinstance(values, list) and all(isinstance(v, str) for v in values):
                out[key] = list(values)  # the legacy {"key": ["v"]} form
            else:
                raise InvalidArgument(f"json: cannot unmarshal {_kind(values)} into Go value of type map[string]bool")
        return out


@dataclass
class Response:
    """What a handler returns. Exactly one of `body` (JSON-able or bytes) or `stream` (iterator of bytes, sent chunked).

    `hijack` (a callable taking the raw socket) upgrades the connection: the server answers 101 UPGRADED
    (or 200 when the client did not ask for an upgrade) and hands the socket over.
    """

    status: int = 200
    body: Any = None
    stream: Iterable[bytes] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "application/json"
    hijack: Callable[[Any], None] | None = None


Handler = Callable[[Request], Response]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    template: str
    handler: Handler


ROUTES: list[Route] = []


def _compile(template: str) -> re.Pattern[str]:
    # {name} matches one segment; {name:path} matches the rest (image names contain '/' and ':').
    regex = re.sub(r"\{(\w+):path\}", r"(?P<\1>.+?)", template)
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
    return re.compile("^" + regex + "$")


def route(method: str, template: str) -> Callable[[Handler], Handler]:
    """Register a handler: @route("GET", "/containers/{id}/json")."""

    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method.upper(), _compile(template), template, handler))
        return handler

    return register


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a (method, unversioned path); HEAD falls back to GET as net/http does."""
    for wanted in (method, "GET") if method == "HEAD" else (method,):
        for r in ROUTES:
            if r.method == wanted:
                m = r.pattern.match(path)
                if m:
                    return r, m.groupdict()
    return None


def json_lines(items: Iterator[dict]) -> Iterator[bytes]:
    """A JSON-message stream (pull, push, build, load): one object per line."""
    for item in items:
        yield json.dumps(item).encode() + b"\r\n"
