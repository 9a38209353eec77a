"""Docker's default OCI runtime spec for a container, as data (cf. moby oci/defaults.go and daemon/oci_linux.go).

dockerd starts from `default_spec()` and fills in what the container's config asks for (command,
environment, user, mounts, limits); the shim writes the result as the bundle's config.json.
Only data and defaults live here: no validation (dockerd's job) and no kernel calls.
"""

from __future__ import annotations

import copy
import resource
from typing import Any

OCI_VERSION = "1.0.2-dev"

DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# The 14 capabilities Docker grants by default (moby oci/caps/defaults.go); everything else is dropped.
DEFAULT_CAPABILITIES = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
]

# /proc and /sys files that leak host information or let a container poke the host kernel:
# bind-mounted over with /dev/null (files) or an empty read-only tmpfs (directories).
MASKED_PATHS = [
    "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
    "/sys/firmware", "/sys/devices/virtual/powercap",
]

# Kernel tunables a container may read but never write (CVE-2014-... class of /proc/sys escapes).
READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

DEFAULT_MOUNTS: list[dict[str, Any]] = [
    {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["ro", "nosuid", "noexec", "nodev"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
]

NAMESPACES = ["mount", "network", "uts", "pid", "ipc"]


def _device(kind: str, major: int | None, minor: int | None, allow: bool = True, access: str = "rwm") -> dict:
    rule: dict[str, Any] = {"allow": allow, "type": kind, "access": access}
    if major is not None:
        rule["major"] = major
    if minor is not None:
        rule["minor"] = minor
    return rule


# The device cgroup: deny everything, then allow what every container needs (moby's DefaultLinuxSpec
# plus the allow-list runc adds): mknod of anything, the /dev/null family, ttys and ptys, /dev/net/tun.
DEVICE_RULES = [
    {"allow": False, "access": "rwm"},
    _device("c", None, None, access="m"),
    _device("b", None, None, access="m"),
    _device("c", 1, 3), _device("c", 1, 5), _device("c", 1, 7), _device("c", 1, 8), _device("c", 1, 9),
    _device("c", 5, 0), _device("c", 5, 1), _device("c", 5, 2), _device("c", 136, None),
    _device("c", 10, 200),
]


def nofile_limit(wanted: int = 1048576) -> int:
    """Docker asks for 1048576 open files; never more than our own hard limit, which root without
    CAP_SYS_RESOURCE could not raise (runc and crun fail the container otherwise)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)


def cgroups_path(container_id: str, instance: str | None = None) -> str:
    """The container's cgroup, under a parent named for this engine instance (Docker: /docker/<id>); a rootless
    engine's under the subtree delegated to its user (rootless Docker's systemd driver: user.slice/.../docker-<id>)."""
    from .. import paths

    if instance is None:
        instance = paths.instance_name()
    return f"{paths.rootless_cgroup() or ''}/{instance}/{container_id}"


def default_spec(container_id: str, args: list[str] | None = None, *, terminal: bool = False,
                 hostname: str | None = None, instance: str | None = None) -> dict[str, Any]:
    """A complete runtime spec (config.json as a dict) with Docker's defaults, ready for dockerd to adjust."""
    nofile = nofile_limit()
    caps = list(DEFAULT_CAPABILITIES)
    return {
        "ociVersion": OCI_VERSION,
        "process": {
            "terminal": terminal,
            "user": {"uid": 0, "gid": 0},
            "args": list(args) if args else ["sh"],
            "env": [DEFAULT_PATH] + (["TERM=xterm"] if terminal else []),
            "cwd": "/",
            "capabilities": {"bounding": caps, "effective": list(caps), "permitted": list(caps)},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": nofile, "soft": nofile}],
            "noNewPrivileges": False,  # Docker: only with --security-opt no-new-privileges
            "oomScoreAdj": 0,
        },
        "root": {"path": "rootfs", "readonly": False},
        "hostname": hostname if hostname is not None else container_id[:12],
        "mounts": copy.deepcopy(DEFAULT_MOUNTS),
        "linux": {
            "resources": {"devices": copy.deepcopy(DEVICE_RULES)},
            "cgroupsPath": cgroups_path(container_id, instance),
            "namespaces": [{"type": kind} for kind in NAMESPACES],
            "maskedPaths": list(MASKED_PATHS),
            "readonlyPaths": list(READONLY_PATHS),
        },
    }
