"""Published ports: `-p` parsing, PortBindings validation, host-port reservation (cf. docker/go-connections nat/nat.go, libnetwork portallocator).

A host port is reserved by binding (not listening on) a socket in dockerd: a port another program
holds is refused with Docker's "port is already allocated", and `-p 80` gets a free port from the
kernel (bind to port 0). Traffic itself never passes through these sockets: DNAT (nat.py) sends it
straight to the container.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket

from ...errors import Conflict, InvalidArgument

PROTOS = ("tcp", "udp")  # sctp: Docker has it; refused here rather than half-done


def _port(text: str, what: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise InvalidArgument(f"invalid {what}: {text}")
    return int(text)


def split_key(key: str) -> tuple[int, str]:
    """"80/tcp" -> (80, "tcp"); a bare "80" is tcp."""
    port, _, proto = key.partition("/")
    proto = proto or "tcp"
    if proto not in PROTOS:
        raise InvalidArgument(f"invalid proto: {proto}")
    return _port(port, "containerPort"), proto


def parse_publish(spec: str) -> tuple[str, dict[str, str]]:
    """One `-p` value: [ip:][hostport:]containerport[/proto] -> ("80/tcp", {"HostIp": ip, "HostPort": hostport})."""
    rest, _, proto = spec.partition("/")
    host_ip, host_port = "", ""
    if rest.startswith("["):  # [::1]:8080:80
        raise InvalidArgument(f"invalid publish spec {spec!r}: IPv6 host addresses are not supported")
    parts = rest.split(":")
    if len(parts) == 1:
        container = parts[0]
    elif len(parts) == 2:
        host_port, container = parts
    elif len(parts) == 3:
        host_ip, host_port, container = parts
    else:
        raise InvalidArgument(f"invalid port format - {spec}")
    if not container:
        raise InvalidArgument(f"no port specified: {spec}<empty>")
    if host_ip:
        _check_ip(host_ip)
    if host_port:
        _port(host_port, "hostPort")
    number, proto = split_key(f"{container}/{proto}" if proto else container)
    return f"{number}/{proto}", {"HostIp": host_ip, "HostPort": host_port}


def _check_ip(text: str) -> None:
    try:
        if ipaddress.ip_address(text).version != 4:
            raise ValueError
    except ValueError:
        raise InvalidArgument(f"invalid IP address: {text}") from None


def _port_spec_ok(text: str) -> bool:
    """go-connections nat.ParsePortRange: "", a port or a range "a-b", each a uint16 (0 allowed), start <= end."""
    if not text:
        return True
    start, dash, end = text.partition("-")
    if not start.isdigit() or (dash and not end.isdigit()):
        return False
    return int(start) <= 65535 and (not dash or int(start) <= int(end) <= 65535)


def check_specs(port_bindings: dict | None) -> None:
    """Every key and HostPort of HostConfig.PortBindings parses, as dockerd checks at create
    (cf. moby daemon/container.go verifyContainerSettings): HostPort 99999 is refused there, not at start."""
    for key, bindings in (port_bindings or {}).items():
        port = key.partition("/")[0]
        if not _port_spec_ok(port):
            raise InvalidArgument(f'invalid port specification: "{port}"')
        for binding in bindings or []:
            host_port = ((binding or {}).get("HostPort") or "").partition("/")[0]
            if not _port_spec_ok(host_port):
                raise InvalidArgument(f'invalid port specification: "{host_port}"')


def normalize(port_bindings: dict | None, exposed_ports: dict | None, publish_all: bool) -> list[dict]:
    """HostConfig.PortBindings (+ -P over Config.ExposedPorts) -> a flat, validated list of wanted ports."""
    wanted: list[dict] = []
    for key, bindings in (port_bindings or {}).items():
        number, proto = split_key(key)
        for binding in bindings or [{}]:
            host_ip = (binding or {}).get("HostIp") or ""
            host_port = str((binding or {}).get("HostPort") or "")
            if host_ip:
                _check_ip(host_ip)
            if "-" in host_port:
                raise InvalidArgument(f"host port ranges are not supported: {host_port}")
            port = _port(host_port, "hostPort") if host_port not in ("", "0") else 0
            wanted.append({"Key": f"{number}/{proto}", "Proto": proto, "ContainerPort": number,
                           "HostIp": host_ip, "HostPort": port})
    if publish_all:
        bound = {w["Key"] for w in wanted}
        for key in exposed_ports or {}:
            number, proto = split_key(key)
            if f"{number}/{proto}" not in bound:
                wanted.append({"Key": f"{number}/{proto}", "Proto": proto, "ContainerPort": number,
                               "HostIp": "", "HostPort": 0})
    return wanted


def reserve(host_ip: str, host_port: int, proto: str) -> socket.socket:
    """Bind (never listen) host_ip:host_port; port 0 lets the kernel choose a free one."""
    kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
    sock = socket.socket(socket.AF_INET, kind)
    where = f"{host_ip or '0.0.0.0'}:{host_port}"
    try:
        sock.bind((host_ip or "0.0.0.0", host_port))
    except OSError as err:
        sock.close()
        if err.errno == errno.EADDRINUSE:
            raise Conflict(f"Bind for {where} failed: port is already allocated") from None
        # e.g. EADDRNOTAVAIL: the host has no such address (Docker's wording, from its port proxy)
        raise InvalidArgument(f"Error starting userland proxy: listen {proto}4 {where}: bind: "
                              f"{os.strerror(err.errno).lower()}") from None
    return sock


def ps_ports(settings: dict | None) -> list[dict]:
    """NetworkSettings.Ports -> the `Ports` list of GET /containers/json."""
    out: list[dict] = []
    for key, bindings in ((settings or {}).get("Ports") or {}).items():
        number, proto = split_key(key)
        if not bindings:
            out.append({"PrivatePort": number, "Type": proto})
            continue
        for b in bindings:
            out.append({"IP": b["HostIp"], "PrivatePort": number, "PublicPort": int(b["HostPort"]), "Type": proto})
    return out
