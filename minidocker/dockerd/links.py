"""Legacy --link on the default bridge: a name in /etc/hosts and the linked container's address, ports and
environment as variables (cf. moby daemon/links.go registerLinks, daemon/links/links.go ToEnv,
daemon/container_operations.go buildSandboxOptions, setupLinkedContainers).

At create each "name[:alias]" is checked and stored as inspect shows it ("/db:/web/db"); at start the
linked containers must run, and their current addresses are written. On user-defined networks links
are only DNS aliases, which the networking service owns: nothing is done here for them.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidArgument, NotFound, RuntimeFailure

DEFAULT_MODES = ("", "default", "bridge")


def parse(link: str) -> tuple[str, str]:
    """"db" or "db:alias" (cf. opts.ParseLink)."""
    if not link:
        raise InvalidArgument("empty string specified for links")
    name, _, alias = link.partition(":")
    return name.lstrip("/"), (alias or name).lstrip("/")


def check_mode(hc: dict[str, Any]) -> None:
    """Links need a network of the container's own (cf. runconfig validateNetMode)."""
    mode = hc.get("NetworkMode") or "default"
    if hc.get("Links") and mode == "host":
        raise InvalidArgument("conflicting options: host type networking can't be used with links. "
                              "This would result in undefined behavior")
    if hc.get("Links") and mode.startswith("container:"):
        raise InvalidArgument("conflicting options: container type network can't be used with links. "
                              "This would result in undefined behavior")


def register(containers: Any, parent_name: str, hc: dict[str, Any]) -> None:
    """At create: every linked container exists and can be linked; Links rewritten as "/child:/parent/alias"."""
    check_mode(hc)
    if (hc.get("NetworkMode") or "default") not in DEFAULT_MODES + ("none",) or not hc.get("Links"):
        return
    out = []
    for link in hc["Links"]:
        name, alias = parse(link)
        try:
            child = containers.get(name)
        except NotFound as err:  # dockerd: an invalid parameter, so the CLI does not go and pull an image
            raise InvalidArgument(f"could not get container for {name}: {err}") from None
        if (child.host_config.get("NetworkMode") or "") == "host":
            raise InvalidArgument("conflicting options: host type networking can't be used with links. "
                                  "This would result in undefined behavior")
        out.append(f"{child.name}:{parent_name}/{alias}")
    hc["Links"] = out


def _bridge_ip(c: Any) -> str:
    nets = (c.network_settings or {}).get("Networks") or {}
    return (nets.get("bridge") or {}).get("IPAddress") or ""


def _ports(exposed: dict[str, Any] | None) -> list[tuple[int, str]]:
    """Exposed ports by number, tcp first for the same number (the order ToEnv sorts them in)."""
    out = []
    for key in exposed or {}:
        port, _, proto = key.partition("/")
        if port.isdigit():
            out.append((int(port), (proto or "tcp").lower()))
    return sorted(out, key=lambda p: (p[0], p[1] != "tcp"))


def _next_contiguous(ports: list[tuple[int, str]], value: int, index: int) -> int:
    """The last index of the run of consecutive numbers starting at index (links.go nextContiguous)."""
    for i in range(index + 1, len(ports)):
        if ports[i][0] > value + 1:
            return i - 1
        value += 1
    return len(ports) - 1


def link_env(alias_path: str, child_ip: str, child_env: list[str] | None, exposed: dict[str, Any] | None) -> list[str]:
    """links.Link.ToEnv, line for line: <ALIAS>_PORT, ranges of 3+ ports, every port, <ALIAS>_NAME, <ALIAS>_ENV_*."""
    alias = alias_path.rsplit("/", 1)[-1].upper().replace("-", "_")
    ports = _ports(exposed)
    env = []
    if ports:
        env.append(f"{alias}_PORT={ports[0][1]}://{child_ip}:{ports[0][0]}")
    i = 0
    while i < len(ports):
        (number, proto), j = ports[i], _next_contiguous(ports, ports[i][0], i)
        if j > i + 1:
            prefix, (last, last_proto) = f"{alias}_PORT_{number}_{proto.upper()}", ports[j]
            env += [f"{prefix}_START={proto}://{child_ip}:{number}", f"{prefix}_ADDR={child_ip}",
                    f"{prefix}_PROTO={proto}", f"{prefix}_PORT_START={number}",
                    f"{alias}_PORT_{number}_{last_proto.upper()}_END={last_proto}://{child_ip}:{last}",
                    f"{alias}_PORT_{number}_{last_proto.upper()}_PORT_END={last}"]
            i = j + 1
        else:
            i += 1
    for number, proto in ports:
        prefix = f"{alias}_PORT_{number}_{proto.upper()}"
        env += [f"{prefix}={proto}://{child_ip}:{number}", f"{prefix}_ADDR={child_ip}", f"{prefix}_PORT={number}",
                f"{prefix}_PROTO={proto}"]
    env.append(f"{alias}_NAME={alias_path}")
    for item in child_env or []:
        key, eq, value = item.partition("=")
        if eq and key not in ("HOME", "PATH"):
            env.append(f"{alias}_ENV_{key}={value}")
    return env


def resolve(containers: Any, c: Any) -> tuple[list[str], list[str]]:
    """At start: (environment variables, /etc/hosts lines) of c's links; the linked containers must run."""
    if (c.host_config.get("NetworkMode") or "default") not in DEFAULT_MODES or not c.host_config.get("Links"):
        return [], []
    env: list[str] = []
    hosts: list[str] = []
    for link in c.host_config["Links"]:
        child_name, _, alias_path = link.partition(":")
        try:
            child = containers.get(child_name.lstrip("/"))
        except NotFound:
            continue  # removed since: dockerd drops the link with it
        if not child.state.running:
            raise RuntimeFailure(f"Cannot link to a non running container: {child.name} AS {alias_path}")
        ip = _bridge_ip(child)
        if not ip:
            raise RuntimeFailure(f"container {child.id} not attached to default bridge network")
        env += link_env(alias_path, ip, child.config.get("Env"), child.config.get("ExposedPorts"))
        alias = alias_path.rsplit("/", 1)[-1]
        names = [alias, child.config.get("Hostname") or child.id[:12]]
        if alias != child.name.lstrip("/"):
            names.append(child.name.lstrip("/"))
        hosts.append(f"{ip}\t{' '.join(names)}")
    return env, hosts


def apply(hosts_path: Any, hosts: list[str], hostname: str, process: dict[str, Any], env: list[str]) -> None:
    """Write the links' /etc/hosts lines (after --add-host's, before the container's own) and put their
    variables after PATH, HOSTNAME and TERM, where the container's own Env still overrides them
    (cf. container.CreateDaemonEnvironment)."""
    from ..linux.atomicfile import write_atomic
    from .etcextra import hosts_with_extra

    if hosts:
        entries = [f"{names}:{ip}" for ip, names in (h.split("\t", 1) for h in hosts)]
        write_atomic(hosts_path, hosts_with_extra(hosts_path.read_text(), entries, hostname).encode(),
                     durable=False)  # made anew at every start: see sandbox._write_etc_files
    current = list(process.get("env") or [])
    taken = {e.partition("=")[0] for e in current}
    base = [e for e in current if e.partition("=")[0] in ("PATH", "HOSTNAME", "TERM")]
    rest = [e for e in current if e not in base]
    process["env"] = base + [e for e in env if e.partition("=")[0] not in taken] + rest
