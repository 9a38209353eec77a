"""--add-host and --dns/--dns-search/--dns-option applied to a container's /etc/hosts and /etc/resolv.conf
(cf. libnetwork etchosts.Build extraContent, libnetwork sandbox_dns_unix.go setupDNS).

dockerd/sandbox.py writes the base files (localhost entries, the container's own address, the host's
resolvers); this adds what the user asked for, once, before the files are bind-mounted.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument, Unsupported


def check_extra_hosts(items: list[str] | None) -> None:
    """At create: every --add-host is name:ip (host-gateway needs the bridge's gateway, which minidocker does not map)."""
    for item in items or []:
        name, sep, ip = item.partition(":")
        if not sep or not name:
            raise InvalidArgument(f"bad format for add-host: {item!r}")
        if ip == "host-gateway":
            raise Unsupported("--add-host NAME:host-gateway is not supported by minidocker")
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise InvalidArgument(f"invalid IP address in add-host: {ip!r}") from None


def hosts_with_extra(text: str, extra: list[str], hostname: str) -> str:
    """The extra entries go after the defaults and before the container's own address line, as Docker writes them."""
    if not extra:
        return text
    added = [f"{ip}\t{name}" for name, _, ip in (e.partition(":") for e in extra)]
    lines = text.splitlines()
    own = next((i for i, line in enumerate(lines) if hostname and hostname in line.split()[1:]), len(lines))
    return "\n".join(lines[:own] + added + lines[own:]) + "\n"


def resolv_with_options(text: str, dns: list[str], search: list[str], options: list[str]) -> str:
    """Replace the nameservers, search domains and options the user gave; keep the host's others of those three."""
    if not (dns or search or options):
        return text
    kept = {"nameserver": [], "search": [], "options": [], "other": []}
    for line in text.splitlines():
        word = line.split()[0] if line.split() else ""
        kept[word if word in ("nameserver", "search", "options") else "other"].append(line)
    # search, then nameservers, then options: the order libnetwork's resolvconf.Build writes them in.
    out = [f"search {' '.join(search)}"] if search else kept["search"]
    out += [f"nameserver {d}" for d in dns] if dns else kept["nameserver"]
    out += [f"options {' '.join(options)}"] if options else kept["options"]
    return "\n".join(out) + "\n"


def apply(container_dir: Path, config: dict[str, Any], host_config: dict[str, Any]) -> None:
    """Rewrite the container's hosts and resolv.conf (already written by the sandbox) with the user's additions."""
    from ..linux.atomicfile import write_atomic

    if (host_config.get("NetworkMode") or "") == "host":
        return  # the host's own files, as with Docker's host networking
    extra = list(host_config.get("ExtraHosts") or [])
    if extra:
        hosts = container_dir / "hosts"
        write_atomic(hosts, hosts_with_extra(hosts.read_text(), extra, config.get("Hostname") or "").encode(),
                     durable=False)  # made anew at every start: see sandbox._write_etc_files
    dns, search, opts = (list(host_config.get(k) or []) for k in ("Dns", "DnsSearch", "DnsOptions"))
    if dns or search or opts:
        resolv = container_dir / "resolv.conf"
        write_atomic(resolv, resolv_with_options(resolv.read_text(), dns, search, opts).encode(),
                     durable=False)
