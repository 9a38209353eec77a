"""/etc/hosts and /etc/resolv.conf for a container (cf. libnetwork etchosts/etchosts.go, resolvconf/resolvconf.go).

dockerd writes these files next to the container's state and bind-mounts them, as Docker does.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_HOSTS = """127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
ff00::0\tip6-mcastprefix
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
"""

# Docker's fallback when the host only lists local resolvers, which a container cannot reach.
FALLBACK_NAMESERVERS = ("8.8.8.8", "8.8.4.4")


def hosts_file(settings: dict | None, hostname: str) -> str:
    """Docker's /etc/hosts: the loopback names, then the container's own address and hostname."""
    text = DEFAULT_HOSTS
    address = (settings or {}).get("IPAddress") or ""
    if not address:
        for ep in ((settings or {}).get("Networks") or {}).values():
            address = ep.get("IPAddress") or address
    if address and hostname:
        text += f"{address}\t{hostname}\n"
    return text


def resolv_conf(host_file: Path = Path("/etc/resolv.conf"), host_network: bool = False) -> str:
    """The host's resolv.conf; unless the container shares the host's network, loopback resolvers are
    dropped (127.0.0.53 means nothing inside another namespace) and Google's put in if none are left."""
    try:
        lines = host_file.read_text().splitlines()
    except OSError:
        lines = []
    if host_network:
        return "\n".join(lines) + "\n" if lines else ""
    kept: list[str] = []
    servers = 0
    for line in lines:
        words = line.split()
        if words[:1] == ["nameserver"] and len(words) > 1:
            if words[1].startswith("127.") or words[1] == "::1":
                continue
            servers += 1
        kept.append(line)
    if servers == 0:
        kept += [f"nameserver {ns}" for ns in FALLBACK_NAMESERVERS]
    return "\n".join(kept) + "\n"
