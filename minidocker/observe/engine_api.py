"""Read-only Engine API queries for diagrams: images, containers, info (GET + JSON over the unix socket, cf. moby api/swagger.yaml)."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path
from typing import Any

from minidocker import paths


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(str(self._path))


def get(path: str, sock: Path | None = None, timeout: float = 10.0) -> Any:
    """GET /v1.41<path> and decode the JSON answer (raises RuntimeError on a non-2xx status)."""
    conn = _UnixConnection(sock or paths.api_socket(), timeout)
    try:
        conn.request("GET", "/v1.41" + path, headers={"Host": "docker"})
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    if not 200 <= resp.status < 300:
        raise RuntimeError(f"GET {path}: HTTP {resp.status}: {data[:200]!r}")
    return json.loads(data or b"null")
