"""What the Engine API returns for a container: inspect, the list summary and its Status words (cf. moby daemon/inspect.go, daemon/list.go, go-units HumanDuration).

Pure functions of a Container record (plus the time), so they are tested without a daemon.
"""

from __future__ import annotations

import shlex
import time
from typing import Any

from ...units import human_duration
from .logdriver import inspect_path
from .mounts import public
from .record import Container
from .state import Status, parse_rfc3339

MASKED = ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"]
READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]


def status_text(c: Container, now: float | None = None) -> str:
    """The Status column of `docker ps` (cf. container.State.String)."""
    now = time.time() if now is None else now
    st = c.state
    if st.status is Status.RUNNING:
        from ..health import status_suffix

        return "Up " + human_duration(now - parse_rfc3339(st.started_at)) + status_suffix(st.health)
    if st.status is Status.PAUSED:
        return "Up " + human_duration(now - parse_rfc3339(st.started_at)) + " (Paused)"
    if st.status is Status.RESTARTING:
        return f"Restarting ({st.exit_code}) {human_duration(now - parse_rfc3339(st.finished_at))} ago"
    if st.status is Status.REMOVING:
        return "Removal In Progress"
    if st.status is Status.DEAD:
        return "Dead"
    if st.status is Status.CREATED:
        return "Created"
    finished = parse_rfc3339(st.finished_at)
    if not finished:
        return ""
    return f"Exited ({st.exit_code}) {human_duration(now - finished)} ago"


def command_text(c: Container) -> str:
    return shlex.join([c.path] + list(c.args)) if c.args else c.path


def summary(c: Container, image_name: str) -> dict[str, Any]:
    """One entry of GET /containers/json."""
    from .netview import ps_ports

    ns = c.network_settings or {}
    return {
        "Id": c.id,
        "Names": [c.name],
        "Image": image_name,
        "ImageID": c.image_id,
        "Command": command_text(c),
        "Created": int(parse_rfc3339(c.created)),
        "Ports": ps_ports(ns),
        "Labels": c.config.get("Labels") or {},
        "State": c.state.status.value,
        "Status": status_text(c),
        "HostConfig": {"NetworkMode": c.host_config.get("NetworkMode") or "default"},
        "NetworkSettings": {"Networks": ns.get("Networks") or {}},
        "Mounts": [{k: m[k] for k in ("Type", "Name", "Source", "Destination", "Driver", "Mode", "RW", "Propagation") if k in m}
                   for m in c.mount_points],
    }


def inspect(c: Container, graph_driver: dict[str, Any] | None = None) -> dict[str, Any]:
    """GET /containers/{id}/json, in the shape of engine-api-samples/inspect-1.json."""
    from .netview import inspect_settings

    hc = dict(c.host_config)
    hc.setdefault("MaskedPaths", list(MASKED))
    hc.setdefault("ReadonlyPaths", list(READONLY))
    return {
        "Id": c.id,
        "Created": c.created,
        "Path": c.path,
        "Args": list(c.args),
        "State": c.state.to_json(),
        "Image": c.image_id,
        "ResolvConfPath": str(c.dir / "resolv.conf"),
        "HostnamePath": str(c.dir / "hostname"),
        "HostsPath": str(c.dir / "hosts"),
        "LogPath": inspect_path(c.dir, c.id, c.host_config),
        "Name": c.name,
        "RestartCount": c.restart_count,
        "Driver": "overlay2",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "ExecIDs": list(c.exec_ids) or None,
        "HostConfig": hc,
        "GraphDriver": graph_driver or {"Data": None, "Name": "overlay2"},
        "Mounts": public(c.mount_points),
        "Config": c.config,
        "NetworkSettings": inspect_settings(c),
    }
