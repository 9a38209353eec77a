"""POST /build/prune: the build-cache prune of `docker builder prune` and `docker system prune` (cf. moby api/server/router/build/build_routes.go).

The legacy builder keeps no cache apart from the images it commits: its cache index
(<state>/image/buildcache.json) only maps (parent, step) to those images and is checked against the
image store on every hit, so it frees nothing by itself. dockerd 20.10 answers this call from
BuildKit's cache, which a legacy-only engine leaves empty: {"CachesDeleted": null, "SpaceReclaimed": 0}.
Intermediate images are `docker image prune`'s business, as in Docker.
"""

from __future__ import annotations

from ...errors import InvalidArgument
from .router import Request, Response, route

# The filter keys BuildKit's prune accepts (cf. moby builder/builder-next/builder.go toBuildkitPruneInfo).
PRUNE_FILTERS = {"id", "parent", "type", "description", "inuse", "shared", "private", "until", "unused-for",
                 "label"}


@route("POST", "/build/prune")
def prune(req: Request) -> Response:
    for key in req.filters():
        if key not in PRUNE_FILTERS:
            raise InvalidArgument(f"failed to prune build cache: Invalid filter '{key}'")
    keep = req.query.get("keep-storage")
    if keep:
        try:
            int(keep)
        except ValueError:
            raise InvalidArgument(f"keep-storage is in bytes and expects an integer, got {keep}") from None
    # `all` is read as dockerd reads booleans (anything but ""/0/no/false/none is true): nothing to delete either way.
    return Response(200, {"CachesDeleted": None, "SpaceReclaimed": 0})
