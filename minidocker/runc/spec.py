"""The default config.json that `minirunc spec` writes, equivalent to `runc spec` (cf. runc libcontainer/specconv/example.go)."""

from __future__ import annotations

from ..oci.runtime import VERSION

_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]


def example(rootfs: str = "rootfs") -> dict:
    """runc's example spec: sh on a terminal, three capabilities, a read-only root and the default mounts."""
    return {
        "ociVersion": VERSION,
        "process": {
            "terminal": True,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh"],
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
            "cwd": "/",
            "capabilities": {name: list(_CAPS) for name in ("bounding", "effective", "permitted", "ambient")},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": rootfs, "readonly": True},
        "hostname": "runc",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
             "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
        ],
        "linux": {
            "resources": {"devices": [{"allow": False, "access": "rwm"}]},
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
            "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                            "/proc/scsi"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
        },
    }


def rootless(spec: dict, uid: int, gid: int) -> dict:
    """`runc spec --rootless` (cf. runc libcontainer/specconv ToRootless): a user namespace mapping the caller's
    uid and gid to root inside (one id each: no newuidmap needed), no network namespace (an unprivileged user
    could connect a new one to nothing), /sys bind-mounted from the host (sysfs may only be mounted by the owner
    of the network namespace), no uid=/gid= mount options (those ids are not mapped) and no cgroup resources
    (an ordinary user is delegated none by default)."""
    linux = spec["linux"]
    linux.pop("resources", None)
    namespaces = [n for n in linux.pop("namespaces") if n["type"] not in ("network", "user")] + [{"type": "user"}]
    spec["linux"] = {"uidMappings": [{"containerID": 0, "hostID": uid, "size": 1}],
                     "gidMappings": [{"containerID": 0, "hostID": gid, "size": 1}],
                     "namespaces": namespaces, **linux}
    for m in spec["mounts"]:
        if "options" in m:
            m["options"] = [o for o in m["options"] if not o.startswith(("uid=", "gid="))]
        if m["destination"] == "/sys":
            m.update(type="none", source="/sys", options=["rbind", *m["options"]])
    return spec


def write(directory: str, rootfs: str = "rootfs", rootless_ids: tuple[int, int] | None = None) -> str:
    """Write config.json into `directory`, refusing to overwrite one (as runc spec does); with rootless_ids
    (uid, gid), the rootless variant for that caller."""
    import json
    import os

    from ..errors import Conflict

    path = os.path.join(directory, "config.json")
    if os.path.exists(path):
        raise Conflict("File config.json exists. Remove it first")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        spec = example(rootfs)
        json.dump(rootless(spec, *rootless_ids) if rootless_ids else spec, f, indent="\t")
    os.rename(tmp, path)
    return path
