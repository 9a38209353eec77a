"""Published ports of a rootless engine reach the host through slirp4netns (cf. rootlesskit
pkg/port/slirp4netns, and slirp4netns(1) "API SOCKET": add_hostfwd / remove_hostfwd).

A rootless engine's bridge, NAT rules and reserved ports live in its own network namespace (rootless/
launcher.py); slirp4netns, outside, listens on the host's HostIp:HostPort and forwards each connection
to 10.0.2.100:HostPort in that namespace, where dockerd's DNAT sends it on to the container as usual.
"""

from __future__ import annotations

import json
import socket

from ... import paths
from ...errors import Conflict


def _api() -> str | None:
    sock = paths.run_dir() / "slirp4netns.sock"
    return str(sock) if paths.rootless() and sock.exists() else None


def _call(api: str, request: dict) -> dict:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(api)
        s.sendall(json.dumps(request).encode())
        s.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    finally:
        s.close()
    return json.loads(data or b"{}")


def add(port: dict) -> int | None:
    """Forward the host's HostIp:HostPort to the engine's namespace; the forward's id (None when not rootless)."""
    api = _api()
    if api is None:
        return None
    answer = _call(api, {"execute": "add_hostfwd", "arguments": {
        "proto": port["Proto"], "host_addr": port.get("HostIp") or "0.0.0.0",
        "host_port": int(port["HostPort"]), "guest_port": int(port["HostPort"])}})
    if "error" in answer:
        where = f"{port.get('HostIp') or '0.0.0.0'}:{port['HostPort']}"
        raise Conflict(f"Bind for {where} failed: port is already allocated (slirp4netns: {answer['error'].get('desc', '')})")
    return int(answer["return"]["id"])


def remove(forward_id: int) -> None:
    api = _api()
    if api is not None:
        try:
            _call(api, {"execute": "remove_hostfwd", "arguments": {"id": forward_id}})
        except (OSError, ValueError):
            pass  # slirp4netns gone: so are its forwards
