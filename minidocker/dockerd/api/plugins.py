"""Plugin endpoints of an engine with no managed plugins: list, inspect (cf. moby api/server/router/plugin/plugin_routes.go).

`docker plugin ls` prints its empty table and `docker inspect` finds no plugin, as on a fresh dockerd;
installing one is refused: minidocker's volume and network drivers are built in.
"""

from __future__ import annotations

from ...errors import InvalidArgument, NotFound, Unsupported
from .router import Request, Response, route


@route("GET", "/plugins")
def list_plugins(req: Request) -> Response:
    filters = req.filters()
    for key, values in filters.items():
        if key not in ("enabled", "capability"):
            raise InvalidArgument(f"Invalid filter '{key}'")
        if key == "enabled" and any(v not in ("true", "false") for v in values):
            raise InvalidArgument(f"Invalid filter 'enabled=[{' '.join(values)}]'")
    return Response(200, [])


@route("GET", "/plugins/{name:path}/json")
def inspect_plugin(req: Request) -> Response:
    raise NotFound(f'plugin "{req.params["name"]}" not found')


@route("POST", "/plugins/pull")
def pull_plugin(req: Request) -> Response:
    raise Unsupported("managed plugins are not supported by minidocker (its volume and network drivers are built in)")
