"""NetworkSettings as Docker's inspect shows it, built from an endpoint record (cf. moby api/types/network, daemon/network.go)."""

from __future__ import annotations

from typing import Any


def endpoint_settings(ep: dict | None) -> dict[str, Any]:
    """One entry of NetworkSettings.Networks (EndpointSettings)."""
    ep = ep or {}
    return {
        "IPAMConfig": ep.get("IPAMConfig"),
        "Links": None,
        "Aliases": ep.get("Aliases"),
        "NetworkID": ep.get("NetworkID", ""),
        "EndpointID": ep.get("EndpointID", ""),
        "Gateway": ep.get("Gateway", ""),
        "IPAddress": ep.get("IPAddress", ""),
        "IPPrefixLen": ep.get("IPPrefixLen", 0),
        "IPv6Gateway": "",
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "MacAddress": ep.get("MacAddress", ""),
        "DriverOpts": None,
    }


def ports_of(ep: dict) -> dict[str, list[dict] | None]:
    """NetworkSettings.Ports: every exposed or published port; published ones with their host binding."""
    out: dict[str, list[dict] | None] = {key: None for key in ep.get("ExposedPorts") or {}}
    for port in ep.get("Ports") or []:
        out.setdefault(port["Key"], None)
        bindings = out[port["Key"]] or []
        bindings.append({"HostIp": port["HostIp"] or "0.0.0.0", "HostPort": str(port["HostPort"])})
        out[port["Key"]] = bindings
    return out


def network_settings(ep: dict, attachments: list[dict] = ()) -> dict[str, Any]:
    """The full NetworkSettings of a connected container: its first network and the ones attached later.
    Top-level address fields mirror the default bridge only, as Docker's."""
    mode = ep.get("Mode", "bridge")
    primary = ep if ep.get("NetworkName") == "bridge" else {}
    networks = {ep["NetworkName"]: endpoint_settings(ep)} if ep.get("NetworkName") else {}
    networks.update({a["NetworkName"]: endpoint_settings(a) for a in attachments})
    return {
        "Bridge": "",
        "SandboxID": ep.get("SandboxID", ""),
        "HairpinMode": False,
        "LinkLocalIPv6Address": "",
        "LinkLocalIPv6PrefixLen": 0,
        "Ports": ports_of(ep) if mode not in ("host", "none") else {},
        "SandboxKey": ep.get("SandboxKey", ""),
        "SecondaryIPAddresses": None,
        "SecondaryIPv6Addresses": None,
        "EndpointID": primary.get("EndpointID", ""),
        "Gateway": primary.get("Gateway", ""),
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "IPAddress": primary.get("IPAddress", ""),
        "IPPrefixLen": primary.get("IPPrefixLen", 0),
        "IPv6Gateway": "",
        "MacAddress": primary.get("MacAddress", ""),
        "Networks": networks,
    }


def stopped_settings(network_name: str = "bridge") -> dict[str, Any]:
    """What Docker shows for a created or exited container: empty addresses, the network still listed."""
    return network_settings({"Mode": "bridge", "NetworkName": network_name})
