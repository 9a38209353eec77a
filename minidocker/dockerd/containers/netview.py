"""A container's NetworkSettings as inspect and ps show them, running or not (cf. moby daemon/inspect.go, api/types/network).

While a container runs its settings come from the networking service's connect(); once stopped, Docker
shows the same keys emptied, so clients that read NetworkSettings.IPAddress never meet a missing key.
"""

from __future__ import annotations

from typing import Any


def empty_settings() -> dict[str, Any]:
    return {
        "Bridge": "", "SandboxID": "", "HairpinMode": False, "LinkLocalIPv6Address": "",
        "LinkLocalIPv6PrefixLen": 0, "Ports": {}, "SandboxKey": "", "SecondaryIPAddresses": None,
        "SecondaryIPv6Addresses": None, "EndpointID": "", "Gateway": "", "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0, "IPAddress": "", "IPPrefixLen": 0, "IPv6Gateway": "", "MacAddress": "",
        "Networks": {},
    }


def inspect_settings(c) -> dict[str, Any]:
    out = empty_settings()
    out.update(c.network_settings or {})
    if not c.state.running:
        # Docker keeps the network names but drops addresses once a container stops.
        out["Ports"] = {}
        out["SandboxKey"] = ""
    return out


def ps_ports(settings: dict[str, Any]) -> list[dict[str, Any]]:
    """The Ports column entries: one per published binding, and the bare exposed ports."""
    out: list[dict[str, Any]] = []
    for key, bindings in (settings.get("Ports") or {}).items():
        port, _, proto = key.partition("/")
        if not bindings:
            out.append({"PrivatePort": int(port), "Type": proto or "tcp"})
            continue
        for b in bindings:
            entry: dict[str, Any] = {"IP": b.get("HostIp", ""), "PrivatePort": int(port), "Type": proto or "tcp"}
            if b.get("HostPort"):
                entry["PublicPort"] = int(b["HostPort"])
            out.append(entry)
    return out
