"""Volume endpoints (cf. docker-py docker/api/volume.py)."""

from __future__ import annotations

from .base import filters_param

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any, Mapping


class VolumeMixin:
    def volumes(self, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET /volumes: {"Volumes": [...], "Warnings": [...]}."""
        return self._json("GET", "/volumes", {"filters": filters_param(filters)})

    def create_volume(self, name: str | None = None, driver: str | None = None,
                      driver_opts: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None) -> dict:
        body = {"Name": name or "", "Driver": driver or "local", "DriverOpts": dict(driver_opts or {}),
                "Labels": dict(labels or {})}
        return self._json("POST", "/volumes/create", body=body)

    def inspect_volume(self, name: str) -> dict[str, Any]:
        return self._json("GET", f"/volumes/{name}")

    def remove_volume(self, name: str, force: bool = False) -> None:
        self._call("DELETE", f"/volumes/{name}", {"force": True} if force else None)

    def prune_volumes(self, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._json("POST", "/volumes/prune", {"filters": filters_param(filters)})
