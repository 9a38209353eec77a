"""Named volumes with the local driver: directories under <state>/volumes/<name>/_data (cf. moby volume/local/local.go, volume/service).

A volume is created by `volume create`, by `-v name:/path` on first use, or anonymously (`-v /path`,
an image VOLUME) with a random 64-hex name. Its record (opts.json) is written atomically; a volume
used by any container cannot be removed (409), and `rm -v` / `--rm` remove a container's anonymous
volumes with it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from pathlib import Path
from typing import Any, Callable

from .. import paths
from ..errors import Conflict, InvalidArgument, NotFound
from ..linux.removeall import remove_all
from ..linux.atomicfile import write_atomic
from .containers.state import now_rfc3339

VALID_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")


def volumes_dir() -> Path:
    return paths.state_dir() / "volumes"


class VolumeService:
    """The local volume driver plus the reference counts that say which containers use which volume."""

    def __init__(self, users: Callable[[str], list[str]]) -> None:
        self._lock = threading.Lock()
        self._users = users  # name -> ids of containers using it (asked from the daemon)

    def _dir(self, name: str) -> Path:
        return volumes_dir() / name

    def _view(self, name: str) -> dict[str, Any]:
        meta_path = self._dir(name) / "opts.json"
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            raise NotFound(f"get {name}: no such volume") from None
        return {
            "CreatedAt": meta.get("CreatedAt", ""),
            "Driver": "local",
            "Labels": meta.get("Labels") or {},
            "Mountpoint": str(self._dir(name) / "_data"),
            "Name": name,
            "Options": meta.get("Options") or {},
            "Scope": "local",
        }

    def create(self, name: str = "", driver: str = "local", labels: dict | None = None,
               options: dict | None = None, anonymous: bool = False) -> dict[str, Any]:
        """Create (or, when it exists, return) a volume: Docker's create is idempotent for the same name."""
        if driver not in ("", "local"):
            raise NotFound(f"error looking up volume plugin {driver}: plugin \"{driver}\" not found")
        if options:
            raise InvalidArgument("the local driver of minidocker takes no options (no mount -t at create)")
        if not name:
            name, anonymous = secrets.token_hex(32), True
        if not VALID_NAME.match(name):
            raise InvalidArgument(f'create {name}: "{name}" includes invalid characters for a local volume name, '
                                  'only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path')
        with self._lock:
            d = self._dir(name)
            if (d / "opts.json").exists():
                return self._view(name)
            (d / "_data").mkdir(parents=True, exist_ok=True)
            meta = {"CreatedAt": now_rfc3339()[:19] + "Z", "Labels": labels or {}, "Options": options or {},
                    "Anonymous": anonymous}
            write_atomic(d / "opts.json", json.dumps(meta).encode())
            return self._view(name)

    def get(self, name: str) -> dict[str, Any]:
        return self._view(name)

    def is_anonymous(self, name: str) -> bool:
        try:
            return bool(json.loads((self._dir(name) / "opts.json").read_text()).get("Anonymous"))
        except (OSError, ValueError):
            return False

    def list(self, filters: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
        filters = filters or {}
        for key in filters:
            if key not in ("name", "driver", "label", "dangling"):
                raise InvalidArgument(f"invalid filter '{key}'")
        out = []
        root = volumes_dir()
        names = sorted(p.name for p in root.iterdir() if (p / "opts.json").exists()) if root.is_dir() else []
        for name in names:
            v = self._view(name)
            if "name" in filters and not any(f in name for f in filters["name"]):
                continue
            if "driver" in filters and "local" not in filters["driver"]:
                continue
            if "label" in filters and not all(_label_match(v["Labels"], f) for f in filters["label"]):
                continue
            if "dangling" in filters:
                want = filters["dangling"][0].lower() in ("1", "true")
                if want != (not self._users(name)):
                    continue
            out.append(v)
        return out

    def remove(self, name: str, force: bool = False) -> None:
        with self._lock:
            d = self._dir(name)
            if not (d / "opts.json").exists():
                if force:
                    return
                raise NotFound(f"get {name}: no such volume")
            users = self._users(name)
            if users:
                raise Conflict(f"remove {name}: volume is in use - [{', '.join(users)}]")
            remove_all(d)

    def size(self, name: str) -> int:
        total = 0
        for dirpath, _, files in os.walk(self._dir(name) / "_data"):
            for f in files:
                try:
                    total += os.lstat(os.path.join(dirpath, f)).st_size
                except OSError:
                    pass
        return total

    def prune(self, filters: dict[str, list[str]] | None = None) -> dict[str, Any]:
        """Remove every unused volume (API < 1.42 prunes named and anonymous alike)."""
        deleted, reclaimed = [], 0
        for v in self.list({k: v for k, v in (filters or {}).items() if k == "label"}):
            if self._users(v["Name"]):
                continue
            size = self.size(v["Name"])
            try:
                self.remove(v["Name"])
            except Conflict:
                continue
            deleted.append(v["Name"])
            reclaimed += size
        return {"VolumesDeleted": deleted or None, "SpaceReclaimed": reclaimed}


def _label_match(labels: dict[str, str], f: str) -> bool:
    key, eq, value = f.partition("=")
    return key in labels and (not eq or labels[key] == value)
