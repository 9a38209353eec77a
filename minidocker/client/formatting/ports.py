"""The PORTS column of `docker ps` (cf. docker/cli cli/command/formatter/container.go DisplayablePorts)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any


def _join_host_port(ip: str, port: str) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def displayable_ports(ports: list[dict[str, Any]] | None) -> str:
    """"0.0.0.0:8080->80/tcp, [::]:8080->80/tcp", unpublished ranges grouped as "80-81/tcp"."""
    items = sorted(ports or [], key=lambda p: (p.get("PrivatePort", 0), p.get("IP", "") or "",
                                               p.get("PublicPort", 0) or 0, p.get("Type", "")))
    groups: dict[str, list[int]] = {}
    order: list[str] = []
    result: list[str] = []
    mappings: list[str] = []
    for p in items:
        private = p.get("PrivatePort", 0)
        key = p.get("Type", "tcp")
        ip = p.get("IP") or ""
        if ip:
            public = p.get("PublicPort", 0) or 0
            if public != private:
                mappings.append(f"{_join_host_port(ip, str(public))}->{private}/{p.get('Type', 'tcp')}")
                continue
            key = f"{ip}/{key}"
        group = groups.get(key)
        if group is None:
            groups[key] = [private, private]
            order.append(key)
        elif private == group[1] + 1:
            group[1] = private
        else:
            result.append(_form_group(key, *group))
            groups[key] = [private, private]
    result += [_form_group(k, *groups[k]) for k in order]
    return ", ".join(result + mappings)


def _form_group(key: str, first: int, last: int) -> str:
    ip, _, proto = key.rpartition("/")
    group = str(first) if first == last else f"{first}-{last}"
    if ip:
        group = f"{_join_host_port(ip, group)}->{group}"
    return f"{group}/{proto}"
