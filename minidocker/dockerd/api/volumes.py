"""Volume endpoints: create, list, inspect, remove, prune (cf. moby api/server/router/volume/volume_routes.go)."""

from __future__ import annotations

from ...errors import InvalidArgument
from .. import apitypes
from .router import Request, Response, route


def _view(v: dict) -> dict:
    """dockerd answers null, not {}, for a volume made without labels or options."""
    v = dict(v)
    for key in ("Labels", "Options"):
        if not v.get(key):
            v[key] = None
    return v


@route("POST", "/volumes/create")
def create(req: Request) -> Response:
    body = req.json(apitypes.VOLUME_CREATE) or {}
    if not isinstance(body, dict):
        raise InvalidArgument("invalid JSON body")
    v = req.backend.volumes.create(body.get("Name") or "", body.get("Driver") or "local",
                                   body.get("Labels"), body.get("DriverOpts"))
    return Response(201, _view(v))


@route("GET", "/volumes")
def list_volumes(req: Request) -> Response:
    return Response(200, {"Volumes": [_view(v) for v in req.backend.volumes.list(req.filters())], "Warnings": None})


@route("GET", "/volumes/{name}")
def inspect(req: Request) -> Response:
    return Response(200, _view(req.backend.volumes.get(req.params["name"])))


@route("DELETE", "/volumes/{name}")
def remove(req: Request) -> Response:
    req.backend.volumes.remove(req.params["name"], force=req.flag("force"))
    return Response(204)


@route("POST", "/volumes/prune")
def prune(req: Request) -> Response:
    return Response(200, req.backend.volumes.prune(req.filters()))
