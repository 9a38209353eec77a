"""Container endpoints that change a live container: pause, unpause, update (cf. moby api/server/router/container/container_routes.go postContainersPause, postContainerUpdate)."""

from __future__ import annotations

from .. import apitypes
from .router import Request, Response, route


@route("POST", "/containers/{id}/pause")
def pause(req: Request) -> Response:
    d = req.backend
    d.pause_container(d.containers.get(req.params["id"]))
    return Response(204)


@route("POST", "/containers/{id}/unpause")
def unpause(req: Request) -> Response:
    d = req.backend
    d.unpause_container(d.containers.get(req.params["id"]))
    return Response(204)


@route("POST", "/containers/{id}/update")
def update(req: Request) -> Response:
    d = req.backend
    return Response(200, d.update_container(d.containers.get(req.params["id"]), req.json(apitypes.CONTAINER_UPDATE) or {}))
