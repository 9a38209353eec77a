"""System endpoints: _ping, version, info, system/df (cf. moby api/server/router/system/system_routes.go, daemon/info.go).

`HEAD /_ping` is the first call of every docker CLI command: its Api-Version header (sent by the
server on every response) is what makes the CLI speak /v1.41 rather than fall back to /v1.24.
"""

from __future__ import annotations

import os
import platform
import socket
import time

from ... import paths
from .router import Request, Response, route
from .server import API_VERSION, MIN_API_VERSION

PING_HEADERS = {"Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache"}


@route("GET", "/_ping")
def ping(req: Request) -> Response:
    body = b"" if req.method == "HEAD" else b"OK"
    return Response(200, body, headers=dict(PING_HEADERS), content_type="text/plain; charset=utf-8")


def _kernel() -> str:
    return platform.release()


def _arch() -> str:
    machine = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


@route("GET", "/version")
def version(req: Request) -> Response:
    d = req.backend
    details = {"ApiVersion": API_VERSION, "Arch": _arch(), "BuildTime": "", "Experimental": "false",
               "GitCommit": "minidocker", "GoVersion": "python" + platform.python_version(),
               "KernelVersion": _kernel(), "MinAPIVersion": MIN_API_VERSION, "Os": "linux"}
    return Response(200, {
        "Platform": {"Name": "minidocker"},
        "Components": [
            {"Name": "Engine", "Version": d.version, "Details": details},
            {"Name": "containerd", "Version": "minicontainerd", "Details": {"GitCommit": ""}},
            {"Name": "runc", "Version": d.runtime, "Details": {"GitCommit": ""}},
        ],
        "Version": d.version, "ApiVersion": API_VERSION, "MinAPIVersion": MIN_API_VERSION,
        "GitCommit": "minidocker", "GoVersion": details["GoVersion"], "Os": "linux", "Arch": _arch(),
        "KernelVersion": _kernel(), "BuildTime": "",
    })


def _os_release() -> tuple[str, str]:
    try:
        fields = dict(line.split("=", 1) for line in open("/etc/os-release").read().splitlines() if "=" in line)
    except OSError:
        return "Linux", ""
    return fields.get("PRETTY_NAME", "Linux").strip('"'), fields.get("VERSION_ID", "").strip('"')


def _mem_total() -> int:
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _engine_id() -> str:
    """A stable id for this engine instance, made once (Docker's ID, in its XXXX:XXXX form)."""
    path = paths.state_dir() / "engine-id"
    try:
        return path.read_text().strip()
    except OSError:
        import secrets

        raw = secrets.token_hex(24).upper()
        value = ":".join(raw[i:i + 4] for i in range(0, 48, 4))
        path.parent.mkdir(parents=True, exist_ok=True)
        from ...linux.atomicfile import write_atomic

        write_atomic(path, (value + "\n").encode())
        return value


def _limits() -> dict[str, bool]:
    """Which limits containers can get: all as root; rootless, those of the cgroup subtree delegated to the user
    (rootless Docker's info says Cgroup Driver: none and MemoryLimit false where it has none)."""
    wanted = ("memory", "pids", "cpu", "cpuset")
    if not paths.rootless():
        return dict.fromkeys(wanted, True)
    from ...rootless import cgroups

    rel = paths.rootless_cgroup()
    have = cgroups.delegated_controllers(rel) if rel else set()
    return {c: c in have for c in wanted}


@route("GET", "/info")
def info(req: Request) -> Response:
    d = req.backend
    containers = d.containers.all()
    running = sum(1 for c in containers if c.state.running and c.state.status.value != "paused")
    paused = sum(1 for c in containers if c.state.status.value == "paused")
    try:
        images = len(d.images.list(all=True))  # every image, intermediate ones too (moby CountImages)
    except Exception:  # noqa: BLE001 - info must answer even when containerd is down
        images = 0
    os_name, os_version = _os_release()
    cgroup_v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    limits = _limits()
    runtimes = {name: {"path": name} for name in {"minirunc", "runc", d.runtime}}
    return Response(200, {
        "ID": _engine_id(), "Containers": len(containers), "ContainersRunning": running,
        "ContainersPaused": paused, "ContainersStopped": len(containers) - running - paused, "Images": images,
        "Driver": "overlay2", "DriverStatus": [["Backing Filesystem", "extfs"], ["Supports d_type", "true"]],
        "Plugins": {"Volume": ["local"], "Network": ["bridge", "host", "null"], "Authorization": None,
                    "Log": ["json-file"]},
        "MemoryLimit": limits["memory"], "SwapLimit": limits["memory"], "KernelMemory": False, "KernelMemoryTCP": False,
        "CpuCfsPeriod": limits["cpu"], "CpuCfsQuota": limits["cpu"], "CPUShares": limits["cpu"],
        "CPUSet": limits["cpuset"], "PidsLimit": limits["pids"],
        "IPv4Forwarding": True, "BridgeNfIptables": True, "BridgeNfIp6tables": True, "Debug": d.debug,
        "NFd": len(os.listdir("/proc/self/fd")), "OomKillDisable": True, "NGoroutines": 0,
        "SystemTime": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000000000Z",
        "LoggingDriver": "json-file", "CgroupDriver": "cgroupfs" if any(limits.values()) else "none", "CgroupVersion": "2" if cgroup_v2 else "1",
        "NEventsListener": 0, "KernelVersion": _kernel(), "OperatingSystem": os_name, "OSVersion": os_version,
        "OSType": "linux", "Architecture": platform.machine(), "IndexServerAddress": "https://index.docker.io/v1/",
        "RegistryConfig": {"AllowNondistributableArtifactsCIDRs": [], "AllowNondistributableArtifactsHostnames": [],
                           "InsecureRegistryCIDRs": ["127.0.0.0/8"],
                           "IndexConfigs": {"docker.io": {"Name": "docker.io", "Mirrors": [], "Secure": True,
                                                          "Official": True}}, "Mirrors": []},
        "NCPU": os.cpu_count() or 1, "MemTotal": _mem_total(), "GenericResources": None,
        "DockerRootDir": str(paths.state_dir()), "HttpProxy": "", "HttpsProxy": "", "NoProxy": "",
        "Name": socket.gethostname(), "Labels": [], "ExperimentalBuild": False, "ServerVersion": d.version,
        "Runtimes": runtimes, "DefaultRuntime": d.runtime,
        "Swarm": {"NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive", "ControlAvailable": False,
                  "Error": "", "RemoteManagers": None},
        "LiveRestoreEnabled": True, "Isolation": "", "InitBinary": "",
        "ContainerdCommit": {"ID": "minicontainerd", "Expected": "minicontainerd"},
        "RuncCommit": {"ID": d.runtime, "Expected": d.runtime}, "InitCommit": {"ID": "", "Expected": ""},
        "SecurityOptions": ["name=seccomp,profile=default"], "Warnings": None,
    })


@route("GET", "/system/df")
def df(req: Request) -> Response:
    d = req.backend
    images = d.images.df()
    # Like `docker images` (not -a): intermediate build images are not counted (cf. daemon/disk_usage.go).
    top = {i.get("Id") for i in d.images.list(all=False)}
    images["Images"] = [i for i in images.get("Images") or [] if i.get("Id") in top]
    containers = []
    from ..containers import views

    for c in d.containers.all():
        entry = views.summary(c, d.image_name(c))
        entry["SizeRw"], entry["SizeRootFs"] = d.container_sizes(c)
        containers.append(entry)
    volumes = []
    for v in d.volumes.list():
        v = dict(v)
        v["UsageData"] = {"Size": d.volumes.size(v["Name"]), "RefCount": len(d.volume_users(v["Name"]))}
        volumes.append(v)
    return Response(200, {"LayersSize": images.get("LayersSize", 0), "Images": images.get("Images", []),
                          "Containers": containers, "Volumes": volumes, "BuildCache": None, "BuilderSize": 0})


@route("GET", "/events")
def events(req: Request) -> Response:
    """A JSON-message stream of events; with `until`, it ends at that time (docker events --until)."""
    import json as _json
    from queue import Empty

    from ..events import matches

    d = req.backend
    since = float(req.query["since"]) if req.query.get("since") else None
    until = float(req.query["until"]) if req.query.get("until") else None
    filters = req.filters()
    past, q = d.events.subscribe(since)

    def body():
        try:
            for e in past:
                if matches(e, filters) and (until is None or e["time"] <= until):
                    yield _json.dumps(e).encode() + b"\n"
            while until is None or time.time() < until:
                try:
                    e = q.get(timeout=0.5)
                except Empty:
                    if req.conn.peer_gone():
                        return
                    continue
                if matches(e, filters) and (until is None or e["time"] <= until):
                    yield _json.dumps(e).encode() + b"\n"
        finally:
            d.events.unsubscribe(q)

    return Response(200, stream=body())


from . import buildcache  # noqa: E402,F401 - registers POST /build/prune (dockerd/main.py imports only this module)
from . import plugins  # noqa: E402,F401 - registers /plugins
