"""dockerd's side of the embedded DNS: which containers get 127.0.0.11, and what names mean (cf. libnetwork sandbox_dns_unix.go, service_common.go).

A container with an endpoint on a user-defined network resolves, on each network it shares with
another running container, that container's name, its aliases there (the short id among them) and
`name.network`; the resolver itself (networks/resolver.py) forwards every other name to the host's.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("minidockerd.dns")

BUILTIN = ("bridge", "host", "none")


def uses_embedded_dns(c: Any) -> bool:
    return any(name not in BUILTIN for name in ((c.network_settings or {}).get("Networks") or {}))


def embedded_resolv_conf(host_text: str) -> str:
    """127.0.0.11 as the only nameserver; the host's search and options kept, ndots:0 added (as Docker)."""
    keep = [line for line in host_text.splitlines() if line.split()[:1] in (["search"], ["domain"])]
    options = [w for line in host_text.splitlines() if line.split()[:1] == ["options"] for w in line.split()[1:]
               if not w.startswith("ndots:")]
    return "\n".join(["nameserver 127.0.0.11", *keep, "options " + " ".join(options + ["ndots:0"])]) + "\n"


class EmbeddedDnsMixin:
    _resolver: Any = None

    def _dns(self):
        if self._resolver is None:  # made on first use: a daemon without user networks never starts it
            from .networks.resolver import Resolver

            self._resolver = Resolver(self._dns_lookup, self._dns_reverse)
        return self._resolver

    def dns_serve(self, c: Any) -> None:
        key = (c.network_settings or {}).get("SandboxKey")
        if not key or not uses_embedded_dns(c):
            return
        try:
            self._dns().serve(c.id, key)
        except Exception:  # noqa: BLE001 - a container without name resolution still runs (logged)
            log.exception("container %s: cannot serve DNS at 127.0.0.11", c.id[:12])

    def dns_update(self, c: Any) -> None:
        """After connect/disconnect of a running container."""
        if uses_embedded_dns(c):
            self.dns_serve(c)
        else:
            self.dns_forget(c)

    def dns_forget(self, c: Any) -> None:
        if self._resolver is not None:
            self._resolver.forget(c.id)

    def _shared_endpoints(self, container_id: str):
        """(container, network name, endpoint) for every running container on a network the asker is on."""
        try:
            asker = self.containers.get(container_id)
        except Exception:  # noqa: BLE001 - gone meanwhile
            return
        mine = {n.get("NetworkID") for name, n in ((asker.network_settings or {}).get("Networks") or {}).items()
                if name not in BUILTIN and n.get("NetworkID")}
        for other in self.containers.all():
            if not other.state.running:
                continue
            for name, ep in ((other.network_settings or {}).get("Networks") or {}).items():
                if ep.get("NetworkID") in mine and ep.get("IPAddress"):
                    yield other, name, ep

    def _dns_lookup(self, container_id: str, qname: str) -> list[str]:
        found: list[str] = []
        for other, network, ep in self._shared_endpoints(container_id):
            cname = other.name.lstrip("/").lower()
            names = {cname, f"{cname}.{network.lower()}"} | {a.lower() for a in ep.get("Aliases") or []}
            if qname in names and ep["IPAddress"] not in found:
                found.append(ep["IPAddress"])
        return found

    def _dns_reverse(self, container_id: str, address: str) -> str:
        for other, network, ep in self._shared_endpoints(container_id):
            if ep.get("IPAddress") == address:
                return f"{other.name.lstrip('/')}.{network}"
        return ""
