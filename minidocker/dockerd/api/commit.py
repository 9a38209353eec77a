"""Container filesystem endpoints: changes (docker diff) and commit (cf. moby api/server/router/container/container_routes.go, image/image_routes.go postCommit)."""

from __future__ import annotations

from .. import apitypes
from .router import Request, Response, route


@route("GET", "/containers/{id}/changes")
def changes(req: Request) -> Response:
    from .. import changes as ch

    d = req.backend
    c = d.containers.get(req.params["id"])
    found = ch.container_changes(d.images.snapshots.mounts(c.rootfs_key))
    return Response(200, found if found else b"null")  # dockerd answers null for no change


@route("POST", "/commit")
def commit(req: Request) -> Response:
    from ...errors import InvalidArgument
    from .. import commit as cm

    d = req.backend
    c = d.containers.get(req.query.get("container") or "")
    config = req.json(apitypes.CONFIG)
    if config is not None and not isinstance(config, dict):
        raise InvalidArgument("invalid JSON body: a container config was expected")
    image_id = cm.commit(d, c, repo=req.query.get("repo", ""), tag=req.query.get("tag", ""),
                         comment=req.query.get("comment", ""), author=req.query.get("author", ""),
                         changes=req.query_list("changes"), config=config)
    return Response(201, {"Id": image_id})
