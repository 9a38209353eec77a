"""One container's record, persisted as config.v2.json + hostconfig.json (cf. moby container/container.go).

The record is what dockerd knows about a container whether or not a task runs: its config, host config,
image, name, state, mounts and network settings. It lives in <state>/containers/<id>/ with its log and
the files mounted at /etc/hosts, /etc/hostname, /etc/resolv.conf. Writes are atomic (temporary name,
fsync, rename), so a crash never leaves half a record and a restarted dockerd reloads every container.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from ... import paths
from ...linux.atomicfile import write_atomic
from .state import State, now_rfc3339


def containers_dir() -> Path:
    return paths.state_dir() / "containers"


def _check_types(record: Any, host_config: Any) -> None:
    """A record edited by hand or saved by an older, laxer daemon must not reach ps/inspect with wrong
    types: raise ValueError and the store skips it (as dockerd logs and skips a container it cannot load)."""
    from .. import apitypes
    from ...errors import InvalidArgument

    try:
        if not isinstance(record, dict) or not isinstance(record.get("ID"), str) or not isinstance(record.get("Name"), str):
            raise InvalidArgument("ID and Name must be strings")
        if not isinstance(record.get("Config"), dict) or not isinstance(host_config, dict):
            raise InvalidArgument("Config and HostConfig must be objects")
        apitypes.check(record["Config"], apitypes.CONFIG)
        apitypes.check(host_config, apitypes.HOST_CONFIG)
        for key, want in (("State", dict), ("NetworkSettings", dict), ("MountPoints", list), ("Args", list)):
            if record.get(key) is not None and not isinstance(record[key], want):
                raise InvalidArgument(f"{key} must be a JSON {want.__name__}")
    except InvalidArgument as err:
        raise ValueError(f"corrupt container record: {err}") from None


class Container:
    """A container record. `lock` serialises lifecycle operations (start/stop/remove) on this container."""

    def __init__(self, cid: str, name: str, config: dict[str, Any], host_config: dict[str, Any],
                 image_id: str, path: str, args: list[str]) -> None:
        self.id = cid
        self.name = name  # with the leading '/'
        self.config = config
        self.host_config = host_config
        self.image_id = image_id
        self.path = path
        self.args = args
        self.created = now_rfc3339()
        self.state = State()
        self.restart_count = 0
        self.network_settings: dict[str, Any] = {}
        self.mount_points: list[dict[str, Any]] = []  # inspect's Mounts
        self.rootfs_key = cid  # the snapshot key (containerd) of the writable layer
        self.runtime = ""
        self.exec_ids: list[str] = []
        self.lock = threading.RLock()
        self.io: Any = None  # the live stdio (containers.stdio.TaskIO) while a task exists
        self.has_been_started = False
        self.health_stop: threading.Event | None = None  # set to end this run's health monitor (dockerd/health.py)
        self.manually_stopped = False  # HasBeenManuallyStopped: a stop or kill, which unless-stopped respects
        self.restart_manager: Any = None  # restartmanager.RestartManager, made on the first exit (not saved)
        self._host_config_saved = b""  # hostconfig.json as this process last wrote or read it

    # ---- files ----
    @property
    def dir(self) -> Path:
        return containers_dir() / self.id

    @property
    def log_path(self) -> Path | None:
        """The file the shim writes output to (json-file, local), None with the none driver."""
        from .logdriver import log_file

        return log_file(self.dir, self.id, self.host_config)

    @property
    def tty(self) -> bool:
        return bool(self.config.get("Tty"))

    def save(self) -> None:
        self.dir.mkdir(mode=paths.PRIVATE_MODE, parents=True, exist_ok=True)
        record = {
            "ID": self.id, "Name": self.name, "Created": self.created, "Path": self.path, "Args": self.args,
            "Config": self.config, "Image": self.image_id, "State": self.state.to_json(),
            "RestartCount": self.restart_count, "NetworkSettings": self.network_settings,
            "MountPoints": self.mount_points, "RootfsKey": self.rootfs_key, "Runtime": self.runtime,
            "HasBeenStartedBefore": self.has_been_started, "HasBeenManuallyStopped": self.manually_stopped,
        }
        # 0600 as moby's container/container.go: the config holds the environment (secrets)
        write_atomic(self.dir / "config.v2.json", json.dumps(record).encode(), mode=0o600)
        host_config = json.dumps(self.host_config).encode()
        if host_config != self._host_config_saved:  # unchanged by a start or an exit: one fsync fewer each
            write_atomic(self.dir / "hostconfig.json", host_config, mode=0o600)
            self._host_config_saved = host_config

    @classmethod
    def load(cls, cdir: Path) -> "Container":
        record = json.loads((cdir / "config.v2.json").read_text())
        host_config_text = (cdir / "hostconfig.json").read_bytes()
        host_config = json.loads(host_config_text)
        _check_types(record, host_config)
        c = cls(record["ID"], record["Name"], record["Config"], host_config, record["Image"],
                record.get("Path", ""), record.get("Args") or [])
        c.created = record.get("Created", c.created)
        c.state = State(record.get("State"))
        c.restart_count = record.get("RestartCount", 0)
        c.network_settings = record.get("NetworkSettings") or {}
        c.mount_points = record.get("MountPoints") or []
        c.rootfs_key = record.get("RootfsKey", c.id)
        c.runtime = record.get("Runtime", "")
        c.has_been_started = record.get("HasBeenStartedBefore", False)
        c.manually_stopped = record.get("HasBeenManuallyStopped", False)
        c._host_config_saved = host_config_text
        return c
