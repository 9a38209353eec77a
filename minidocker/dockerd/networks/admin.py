"""Network objects as the Engine API manages them: list, inspect, create, remove, prune (cf. moby daemon/network.go).

A mixin of NetworkManager (it uses the manager's lock, catalog and store).
"""

from __future__ import annotations

from typing import Any, Callable

from ...errors import InvalidArgument, MinidockerError, Unsupported
from .catalog import BUILTIN, PredefinedNetwork
from .views import check_subnet, matches, network_resource

NameOf = Callable[[str], str] | None


# Bridge driver options whose only honoured value is what every bridge here already does.
DEFAULT_OPTIONS = {"com.docker.network.bridge.enable_icc": "true",
                   "com.docker.network.bridge.enable_ip_masquerade": "true",
                   "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
                   "com.docker.network.driver.mtu": "1500"}


def check_driver_options(options: dict[str, str] | None) -> None:
    """Refuse (501) a driver option this engine would otherwise ignore, rather than ignore it silently.

    com.docker.network.bridge.name in particular: Docker names (and even reuses) the host bridge as
    asked; here bridges are named by the engine (mdn-<hash>), which keeps the NAT and isolation rules
    (matched by name prefix) whole and stops a learner from claiming the host's or another learner's
    bridge on a shared server."""
    for key, value in sorted((options or {}).items()):
        if DEFAULT_OPTIONS.get(key) == value:
            continue
        if key == "com.docker.network.bridge.name":
            raise Unsupported(f"network option {key}={value} is not supported: minidocker names its bridges "
                              "itself (mdn-...), see docs/differences-from-docker.md")
        raise Unsupported(f"network option {key}={value} is not supported by minidocker's bridge driver")


class NetworkInUse(MinidockerError):
    """Removing a network containers are connected to (Docker answers 403 Forbidden)."""

    status = 403


class NetworkAdmin:
    def _in_use(self) -> set[str]:
        return {ep.get("NetworkID") for ep in self.store.all_endpoints()}

    def network(self, ref: str) -> dict[str, Any]:
        """A network's record by name, id or unique id prefix (a copy: callers may keep it)."""
        with self._lock:
            return dict(self.catalog.find(ref))

    def list_networks(self, filters: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
        """GET /networks: every network, Docker's NetworkResource without Containers."""
        with self._lock:
            used = self._in_use()
            return [network_resource(r, [], with_containers=False) for r in self.catalog.all()
                    if matches(r, filters or {}, r["Id"] in used)]

    def inspect_network(self, ref: str, name_of: NameOf = None) -> dict[str, Any]:
        """GET /networks/{id}: by name, id or unique id prefix; Containers named with name_of(id)."""
        with self._lock:
            return network_resource(self.catalog.find(ref), self.store.all_endpoints(), name_of)

    def create_network(self, body: dict[str, Any]) -> dict[str, str]:
        """POST /networks/create: a user-defined bridge, made on the host at once (as Docker does)."""
        name = (body or {}).get("Name") or ""
        if not isinstance(name, str) or not name:
            raise InvalidArgument("network name is required")
        if body.get("EnableIPv6"):
            raise InvalidArgument("IPv6 networks are not supported")
        check_driver_options(body.get("Options"))
        subnet = gateway = ""
        configs = ((body.get("IPAM") or {}).get("Config")) or []
        if len(configs) > 1:
            raise InvalidArgument("only one IPAM config (one IPv4 subnet) per network is supported")
        if configs:
            subnet, gateway = check_subnet(configs[0].get("Subnet") or "", configs[0].get("Gateway") or "")
        with self._lock:
            record = self.catalog.create(name, body.get("Driver") or "bridge", body.get("Labels"),
                                         bool(body.get("Internal")), subnet, gateway)
            try:
                self._realize(record)
            except BaseException:
                self.catalog.remove(record)
                raise
            return {"Id": record["Id"], "Warning": ""}

    def remove_network(self, ref: str) -> None:
        """DELETE /networks/{id}: refused for the predefined ones and while containers use it."""
        with self._lock:
            record = self.catalog.find(ref)
            if record["Name"] in BUILTIN:
                raise PredefinedNetwork(f"{record['Name']} is a pre-defined network and cannot be removed")
            if record["Id"] in self._in_use():
                raise NetworkInUse(f"error while removing network: network {record['Name']} "
                                   f"id {record['Id']} has active endpoints")
            self.catalog.remove(record)
            self._realized.discard(record["Id"])
            self._allocators.pop(record["Id"], None)

    def prune_networks(self, filters: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
        """POST /networks/prune: remove user-defined networks no container uses."""
        deleted: list[str] = []
        with self._lock:
            used = self._in_use()
            for record in self.catalog.all():
                if record["Name"] in BUILTIN or record["Id"] in used:
                    continue
                if not matches(record, {k: v for k, v in (filters or {}).items() if k != "dangling"}, False):
                    continue
                self.catalog.remove(record)
                self._realized.discard(record["Id"])
                deleted.append(record["Name"])
        return {"NetworksDeleted": deleted}
