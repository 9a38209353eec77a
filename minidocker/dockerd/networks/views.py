"""A network as GET /networks and GET /networks/{id} show it (cf. moby api/types/network NetworkResource, daemon/network.go buildNetworkResource)."""

from __future__ import annotations

import ipaddress
from typing import Any, Callable


def network_resource(record: dict, endpoints: list[dict], name_of: Callable[[str], str] | None = None,
                     with_containers: bool = True) -> dict[str, Any]:
    """Docker's NetworkResource. `name_of` maps a container id to its name (dockerd knows names, we do not)."""
    config = []
    if record.get("Subnet"):
        config.append({"Subnet": record["Subnet"], "Gateway": record["Gateway"]})
    containers: dict[str, Any] = {}
    if with_containers:
        for ep in endpoints:
            if ep.get("NetworkID") != record["Id"]:
                continue
            address = ep.get("IPAddress")
            containers[ep["ContainerID"]] = {
                "Name": (name_of(ep["ContainerID"]) if name_of else "") or ep["ContainerID"][:12],
                "EndpointID": ep.get("EndpointID", ""),
                "MacAddress": ep.get("MacAddress", ""),
                "IPv4Address": f"{address}/{ep['IPPrefixLen']}" if address else "",
                "IPv6Address": "",
            }
    options: dict[str, str] = {}
    if record["Driver"] == "bridge":
        options["com.docker.network.bridge.name"] = record["Bridge"]
        if record["Name"] == "bridge":
            options.update({"com.docker.network.bridge.default_bridge": "true",
                            "com.docker.network.bridge.enable_icc": "true",
                            "com.docker.network.bridge.enable_ip_masquerade": "true",
                            "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
                            "com.docker.network.driver.mtu": "1500"})
    return {
        "Name": record["Name"],
        "Id": record["Id"],
        "Created": record["Created"],
        "Scope": "local",
        "Driver": record["Driver"],
        "EnableIPv6": False,
        "IPAM": {"Driver": "default", "Options": None, "Config": config},
        "Internal": bool(record.get("Internal")),
        "Attachable": False,
        "Ingress": False,
        "ConfigFrom": {"Network": ""},
        "ConfigOnly": False,
        "Containers": containers,
        "Options": options,
        "Labels": record.get("Labels") or {},
    }


def matches(record: dict, filters: dict[str, list[str]], in_use: bool) -> bool:
    """The filters of GET /networks and POST /networks/prune: name (substring), id (prefix), driver, type, label, dangling."""
    from .catalog import BUILTIN

    if "name" in filters and not any(f in record["Name"] for f in filters["name"]):
        return False
    if "id" in filters and not any(record["Id"].startswith(f) for f in filters["id"]):
        return False
    if "driver" in filters and record["Driver"] not in filters["driver"]:
        return False
    if "type" in filters:
        kind = "builtin" if record["Name"] in BUILTIN else "custom"
        if kind not in filters["type"]:
            return False
    labels = record.get("Labels") or {}
    for f in filters.get("label", []):
        key, eq, value = f.partition("=")
        if key not in labels or (eq and labels[key] != value):
            return False
    if "dangling" in filters:
        want = filters["dangling"][0] in ("1", "true")
        if want == in_use or record["Name"] in BUILTIN:
            return False
    return True


def check_subnet(subnet: str, gateway: str) -> tuple[str, str]:
    """A user-given IPAM config: a valid IPv4 subnet, a gateway inside it (default .1)."""
    from ...errors import InvalidArgument

    try:
        net = ipaddress.ip_network(subnet, strict=False)
        if net.version != 4 or net.prefixlen > 30:
            raise ValueError
    except ValueError:
        raise InvalidArgument(f"invalid subnet {subnet}") from None
    if gateway:
        try:
            gw = ipaddress.ip_address(gateway)
        except ValueError:
            raise InvalidArgument(f"invalid gateway {gateway}") from None
        if gw not in net or gw in (net.network_address, net.broadcast_address):
            raise InvalidArgument(f"no matching subnet for gateway {gateway}")
        return str(net), str(gw)
    return str(net), str(net.network_address + 1)
