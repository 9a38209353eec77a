"""Network endpoints and registry login (cf. docker-py docker/api/network.py, daemon.py login)."""

from __future__ import annotations

from .base import filters_param

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any, Mapping


class NetworkMixin:
    def networks(self, names: list[str] | None = None, filters: Mapping[str, Any] | None = None) -> list[dict]:
        flt = dict(filters or {})
        if names:
            flt["name"] = names
        return self._json("GET", "/networks", {"filters": filters_param(flt)})

    def inspect_network(self, net_id: str) -> dict[str, Any]:
        return self._json("GET", f"/networks/{net_id}")

    def create_network(self, name: str, driver: str | None = None, internal: bool = False,
                       labels: Mapping[str, str] | None = None, subnet: str | None = None) -> dict[str, Any]:
        ipam = {"Driver": "default", "Config": [{"Subnet": subnet}] if subnet else [], "Options": {}}
        body = {"Name": name, "Driver": driver or "bridge", "Internal": internal, "Labels": dict(labels or {}),
                "IPAM": ipam, "CheckDuplicate": True}
        return self._json("POST", "/networks/create", body=body)

    def remove_network(self, net_id: str) -> None:
        self._call("DELETE", f"/networks/{net_id}")

    def connect_container_to_network(self, container: str, net_id: str, aliases: list[str] | None = None,
                                     ipv4_address: str | None = None) -> None:
        config: dict[str, Any] = {}
        if aliases:
            config["Aliases"] = list(aliases)
        if ipv4_address:
            config["IPAMConfig"] = {"IPv4Address": ipv4_address}
        self._call("POST", f"/networks/{net_id}/connect", body={"Container": container, "EndpointConfig": config})

    def disconnect_container_from_network(self, container: str, net_id: str, force: bool = False) -> None:
        self._call("POST", f"/networks/{net_id}/disconnect", body={"Container": container, "Force": force})

    def prune_networks(self, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._json("POST", "/networks/prune", {"filters": filters_param(filters)})

    def login(self, username: str, password: str | None = None, registry: str | None = None) -> dict[str, Any]:
        """POST /auth: checks the credentials against the registry (nothing is stored client-side here)."""
        body = {"username": username, "password": password or "",
                "serveraddress": registry or "https://index.docker.io/v1/"}
        return self._json("POST", "/auth", body=body)
