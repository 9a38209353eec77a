"""System endpoints: _ping, version, info, system/df, events (cf. docker-py docker/api/daemon.py)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any


class SystemMixin:
    def ping(self) -> bool:
        """GET /_ping (unversioned); True when the daemon answers OK."""
        return self._call("GET", "/_ping", versioned=False).data.strip() == b"OK"

    def version(self, api_version: bool = True) -> dict[str, Any]:
        """GET /version; docker-py calls it unversioned to auto-detect."""
        return self._json("GET", "/version") if api_version else self._call("GET", "/version", versioned=False).json()

    def info(self) -> dict[str, Any]:
        return self._json("GET", "/info")

    def df(self) -> dict[str, Any]:
        """GET /system/df: images, containers, volumes and build cache with sizes."""
        return self._json("GET", "/system/df")
