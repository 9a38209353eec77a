"""Network endpoints: list, inspect, create, remove, prune (cf. moby api/server/router/network/network_routes.go).

Handlers translate HTTP to calls on the NetworkManager (req.backend.networks) and back; no engine logic here.
"""

from __future__ import annotations

from typing import Callable

from ...errors import InvalidArgument
from .. import apitypes
from .router import Request, Response, route

LIST_FILTERS = {"name", "id", "driver", "type", "label", "dangling", "scope"}
PRUNE_FILTERS = {"label", "until"}


def _filters(req: Request, allowed: set[str]) -> dict[str, list[str]]:
    filters = req.filters()
    for key in filters:
        if key not in allowed:
            raise InvalidArgument(f"invalid filter '{key}'")
    if "until" in filters:
        raise InvalidArgument("the until filter is not supported")
    scopes = filters.pop("scope", ["local"])
    if any(s != "local" for s in scopes):
        return {"id": ["-"]}  # only local-scope networks exist: an id prefix no network has
    return filters


def _name_of(req: Request) -> Callable[[str], str]:
    """Container names for the Containers map: the daemon knows them, the network service does not."""

    def name_of(container_id: str) -> str:
        try:
            return req.backend.containers.get(container_id).name.lstrip("/")
        except Exception:  # noqa: BLE001 - a container being removed shows its short id
            return ""

    return name_of


@route("GET", "/networks")
def list_networks(req: Request) -> Response:
    return Response(200, req.backend.networks.list_networks(_filters(req, LIST_FILTERS)))


@route("GET", "/networks/{id}")
def inspect_network(req: Request) -> Response:
    return Response(200, req.backend.networks.inspect_network(req.params["id"], _name_of(req)))


@route("POST", "/networks/create")
def create_network(req: Request) -> Response:
    body = req.json(apitypes.NETWORK_CREATE)
    if not isinstance(body, dict):
        raise InvalidArgument("network create needs a JSON object body")
    made = req.backend.networks.create_network(body)
    req.backend.events.emit("network", "create", made["Id"], {"name": body.get("Name") or "",
                                                              "type": body.get("Driver") or "bridge"})
    return Response(201, made)


@route("DELETE", "/networks/{id}")
def remove_network(req: Request) -> Response:
    record = req.backend.networks.network(req.params["id"])
    req.backend.networks.remove_network(req.params["id"])
    req.backend.events.emit("network", "destroy", record["Id"], {"name": record["Name"], "type": record["Driver"]})
    return Response(204)


@route("POST", "/networks/{id}/connect")
def connect(req: Request) -> Response:
    body = req.json(apitypes.NETWORK_CONNECT) or {}
    d = req.backend
    d.connect_to_network(d.containers.get(body.get("Container") or ""), req.params["id"], body.get("EndpointConfig"))
    return Response(200, b"", content_type="text/plain; charset=utf-8")


@route("POST", "/networks/{id}/disconnect")
def disconnect(req: Request) -> Response:
    body = req.json(apitypes.NETWORK_DISCONNECT) or {}
    d = req.backend
    d.disconnect_from_network(d.containers.get(body.get("Container") or ""), req.params["id"], bool(body.get("Force")))
    return Response(200, b"", content_type="text/plain; charset=utf-8")


@route("POST", "/networks/prune")
def prune_networks(req: Request) -> Response:
    return Response(200, req.backend.networks.prune_networks(_filters(req, PRUNE_FILTERS)))
