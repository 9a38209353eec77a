"""Which networks a container is on: set at create, changed by `docker network connect/disconnect` (cf. moby daemon/container_operations.go).

The container record keeps one entry per network in NetworkSettings.Networks, whether or not it runs:
the endpoint's configuration (IPAMConfig, Aliases) and, while it runs, its address. At start the first
entry (the network of HostConfig.NetworkMode) becomes the sandbox's eth0 and every other one an ethN;
connect and disconnect change a running container at once, a stopped one only in its record.
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import Conflict, InvalidArgument, NotFound

log = logging.getLogger("minidockerd.networks")

BUILTIN_MODES = {"default": "bridge", "": "bridge", "bridge": "bridge", "host": "host", "none": "none"}
SHARED_ERROR = "container sharing network namespace with another container or host cannot be connected to any other network"
NONE_ERROR = "container cannot be connected to multiple networks with one of the networks in private (none) mode"
HOST_ERROR = "container cannot be disconnected from host network or connected to host network"


def endpoint_config(entry: dict[str, Any] | None, network_id: str = "") -> dict[str, Any]:
    """An EndpointSettings holding only what the user asked for (no address until the container runs)."""
    from .networks.settings import endpoint_settings

    entry = entry or {}
    return endpoint_settings({"IPAMConfig": entry.get("IPAMConfig") or None, "Aliases": entry.get("Aliases") or None,
                              "NetworkID": network_id})


def with_short_id(aliases: list[str] | None, container_id: str) -> list[str]:
    """On a user-defined network Docker 20.10 adds the short id to the endpoint's aliases."""
    out = list(aliases or [])
    return out if container_id[:12] in out else out + [container_id[:12]]


class NetworkConnectMixin:
    # ---- at create ----
    def initial_networks(self, mode: str, networking: dict[str, Any] | None) -> dict[str, Any]:
        """NetworkSettings.Networks of a new container: its NetworkMode's network with the endpoint
        config of NetworkingConfig; a user-defined network must exist (404 otherwise, as dockerd)."""
        if mode.startswith("container:"):
            return {}
        configs = (networking or {}).get("EndpointsConfig") or {}
        name = BUILTIN_MODES.get(mode)
        if name is None:
            name = self.networks.network(mode)["Name"]
        entry = configs.get(name) or configs.get(mode) or {}
        ipv4 = (entry.get("IPAMConfig") or {}).get("IPv4Address")
        if ipv4 and name in ("bridge", "host", "none"):
            raise InvalidArgument("user specified IP address is supported on user defined networks only")
        if entry.get("Aliases") and name in ("bridge", "host", "none"):
            raise InvalidArgument("network-scoped alias is supported only for containers in user defined networks")
        return {name: endpoint_config(entry)}

    # ---- the Engine API's connect / disconnect ----
    def connect_to_network(self, c: Any, network_ref: str, config: dict[str, Any] | None) -> None:
        mode = c.host_config.get("NetworkMode") or "default"
        if mode.startswith("container:") or mode == "host":
            raise Conflict(SHARED_ERROR)
        record = self.networks.network(network_ref)
        if record["Driver"] == "host":
            raise Conflict(HOST_ERROR)
        if record["Driver"] == "null" or mode == "none":
            raise Conflict(NONE_ERROR)
        with c.lock:
            networks = dict((c.network_settings or {}).get("Networks") or {})
            if record["Name"] in networks:
                from .networks.manager import Forbidden

                raise Forbidden(f"endpoint with name {c.name.lstrip('/')} already exists in network {record['Name']}")
            config = dict(config or {})
            user_defined = record["Name"] not in ("bridge",)
            if user_defined:
                config["Aliases"] = with_short_id(config.get("Aliases"), c.id)
            elif config.get("Aliases"):
                raise InvalidArgument("network-scoped alias is supported only for containers in user defined networks")
            ipv4 = (config.get("IPAMConfig") or {}).get("IPv4Address") or ""
            if c.state.running:
                settings = self.networks.attach(c.id, record["Id"], config.get("Aliases"), ipv4, c.name.lstrip("/"))
                c.network_settings = {**(c.network_settings or {}), **settings}
                self._network_event("connect", record, c.id)
                self.dns_update(c)
            else:
                entry = endpoint_config(config)
                entry["IPAMConfig"] = config.get("IPAMConfig") or {}  # as dockerd shows a later connect
                entry["DriverOpts"] = config.get("DriverOpts") or {}
                networks[record["Name"]] = entry
                c.network_settings = {**(c.network_settings or {}), "Networks": networks}
            c.save()

    def disconnect_from_network(self, c: Any, network_ref: str, force: bool = False) -> None:
        record = self.networks.network(network_ref)
        if record["Driver"] == "host":
            raise Conflict(HOST_ERROR)
        with c.lock:
            networks = dict((c.network_settings or {}).get("Networks") or {})
            if record["Name"] not in networks:
                raise NotFound(f"container {c.id} is not connected to network {record['Name']}")
            if c.state.running:
                self.networks.detach(c.id, record["Id"])
                self._network_event("disconnect", record, c.id)
                settings = self.networks.settings(c.id) or {}
                c.network_settings = {**(c.network_settings or {}), **settings}
                self.dns_update(c)
            else:
                networks.pop(record["Name"])
                c.network_settings = {**(c.network_settings or {}), "Networks": networks}
            c.save()

    # ---- at start and exit ----
    def connect_all(self, c: Any, mode: str) -> dict[str, Any]:
        """The sandbox with the first network, then every other network of the record attached."""
        wanted = dict((c.network_settings or {}).get("Networks") or {})
        first = BUILTIN_MODES.get(mode)
        if first is None and not mode.startswith("container:"):
            first = self.networks.network(mode)["Name"]
        head = wanted.get(first or "", {})
        user_defined = first not in (None, "bridge", "none", "host")
        aliases = with_short_id(head.get("Aliases"), c.id) if user_defined else None
        settings = self.networks.connect(
            c.id, mode=mode, port_bindings=c.host_config.get("PortBindings") or None,
            hostname=c.config.get("Hostname") or "", exposed_ports=c.config.get("ExposedPorts"),
            publish_all=bool(c.host_config.get("PublishAllPorts")), aliases=aliases,
            ipv4=(head.get("IPAMConfig") or {}).get("IPv4Address") or "", mac=c.config.get("MacAddress") or "")
        records = {}
        for name, entry in wanted.items():
            if name == first:
                continue
            try:
                record = self.networks.network(entry.get("NetworkID") or name)
            except NotFound:
                log.warning("container %s: network %s is gone, not attached", c.id[:12], name)
                continue
            aliases = with_short_id(entry.get("Aliases"), c.id) if record["Name"] != "bridge" else None
            settings = self.networks.attach(c.id, record["Id"], aliases,
                                            (entry.get("IPAMConfig") or {}).get("IPv4Address") or "", c.name.lstrip("/"))
            records[record["Id"]] = record
        for name, net in (settings.get("Networks") or {}).items():
            for key in ("IPAMConfig", "DriverOpts"):  # the user's endpoint config as given, {} included
                if key in wanted.get(name, {}):
                    net[key] = wanted[name][key]
            record = records.get(net.get("NetworkID")) or self._network_record(net.get("NetworkID"))
            if record is not None:
                self._network_event("connect", record, c.id)
        return settings

    def disconnected_all(self, c: Any) -> None:
        for net in ((c.network_settings or {}).get("Networks") or {}).values():
            record = self._network_record(net.get("NetworkID"))
            if record is not None:
                self._network_event("disconnect", record, c.id)

    def _network_record(self, network_id: str | None) -> dict[str, Any] | None:
        if not network_id:
            return None
        try:
            return self.networks.network(network_id)
        except (NotFound, Conflict):
            return None

    def _network_event(self, action: str, record: dict[str, Any], container_id: str) -> None:
        self.events.emit("network", action, record["Id"],
                         {"container": container_id, "name": record["Name"], "type": record["Driver"]})
