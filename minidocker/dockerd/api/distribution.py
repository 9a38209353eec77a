"""Pull, push, search and login on the Engine API (cf. moby api/server/router/image/image_routes.go, system auth).

Errors found before any progress (no such registry, unknown manifest, bad credentials) are answered
with a status and {"message"}; errors after the stream started arrive in it as errorDetail, as
dockerd does, so the CLI prints them either way.
"""

from __future__ import annotations

import itertools
from typing import Iterable, Iterator

from ...errors import InvalidArgument, MinidockerError
from .. import apitypes
from .router import Request, Response, json_lines, route


def _guarded(items: Iterable[dict]) -> Iterator[dict]:
    try:
        yield from items
    except MinidockerError as err:
        yield {"errorDetail": {"message": str(err)}, "error": str(err)}
    except OSError as err:
        yield {"errorDetail": {"message": str(err)}, "error": str(err)}


def _started(items: Iterable[dict]) -> Response:
    """Run up to the first progress message here, so early errors become an HTTP status."""
    it = iter(items)
    first = next(it, None)
    rest = _guarded(it)
    return Response(stream=json_lines(itertools.chain([first] if first else [], rest)))


def pull_response(req: Request) -> Response:
    from ..distribution.config import decode_auth
    from ..distribution.pull import Pull

    name = req.query.get("fromImage", "")
    if not name:
        raise InvalidArgument("fromImage or fromSrc is required")
    pull = Pull(req.backend.images, name, req.query.get("tag", ""), decode_auth(req.headers.get("x-registry-auth")))
    return _started(pull)


@route("POST", "/images/{name:path}/push")
def push(req: Request) -> Response:
    from ..distribution.config import decode_auth
    from ..distribution.push import Push

    return _started(Push(req.backend.images, req.params["name"], req.query.get("tag", ""),
                         decode_auth(req.headers.get("x-registry-auth"))))


@route("GET", "/images/search")
def search(req: Request) -> Response:
    from ..distribution.search import search as run_search

    term = req.query.get("term", "")
    if not term:
        raise InvalidArgument("term is required")
    limit = int(req.query.get("limit") or 25)
    return Response(body=run_search(term, limit, req.filters()))


@route("POST", "/auth")
def auth(req: Request) -> Response:
    from ..distribution.search import login

    body = req.json(apitypes.AUTH) or {}
    login(body.get("serveraddress", ""), body.get("username", ""), body.get("password", ""))
    return Response(body={"Status": "Login Succeeded", "IdentityToken": ""})
