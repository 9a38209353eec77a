"""HostConfig fields added to the OCI spec after containers/spec.py has built it: memory swappiness,
the OOM killer switch, a private cgroup namespace and --init (cf. moby daemon/oci_linux.go WithResources,
WithCgroups, WithNamespaces, WithInit).

Each is set only where the base spec left it unset, so the spec builder can take any of them over.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from ..errors import InvalidArgument, MinidockerError, Unsupported

IN_CONTAINER_INIT = "/sbin/docker-init"  # where Docker puts its init (daemon/oci_linux.go inContainerInitPath)
# Debian's tini package ships tini-static, which runs in any image (busybox has no libc to load tini with);
# Debian's docker.io links its docker-init to the same file.
INIT_CANDIDATES = ("/usr/bin/tini-static", "docker-init")


def init_binary() -> str:
    """The host file bind-mounted as /sbin/docker-init; Unsupported when none is installed."""
    for name in INIT_CANDIDATES:
        path = name if os.path.isabs(name) else shutil.which(name)
        if path and os.access(path, os.X_OK):
            return os.path.realpath(path)
    raise Unsupported("--init needs tini-static (Debian package tini, installed by scripts/setup.sh)")


def check(hc: dict[str, Any]) -> None:
    """At create: what minidocker cannot honour is refused here rather than ignored."""
    swappiness = hc.get("MemorySwappiness")
    if swappiness is not None and int(swappiness) != -1 and not 0 <= int(swappiness) <= 100:
        raise InvalidArgument(f"Invalid value: {swappiness}, valid memory swappiness range is 0-100")
    if hc.get("CgroupParent"):
        raise Unsupported("--cgroup-parent (HostConfig.CgroupParent) is not supported by minidocker")
    mode = hc.get("CgroupnsMode") or "host"
    if mode not in ("host", "private"):
        raise InvalidArgument(f"invalid cgroup namespace mode: {mode}")
    if hc.get("StorageOpt"):
        # overlay2 takes a size only on xfs with project quotas; minidocker's snapshotter has none, so
        # every storage option is refused with overlay2's words (a 500, as moby's graphdriver error is).
        raise MinidockerError("--storage-opt is supported only for overlay over xfs with 'pquota' mount option")


def apply(spec: dict[str, Any], hc: dict[str, Any]) -> dict[str, Any]:
    linux = spec.setdefault("linux", {})
    memory = linux.setdefault("resources", {}).setdefault("memory", {})
    swappiness = hc.get("MemorySwappiness")
    if swappiness is not None and int(swappiness) >= 0:
        memory.setdefault("swappiness", int(swappiness))
    if hc.get("OomKillDisable"):
        memory.setdefault("disableOOMKiller", True)
    if not memory:
        linux["resources"].pop("memory")
    if hc.get("Init"):
        # tini runs as PID 1, reaps zombies and forwards signals to the command (run after "--").
        spec["process"]["args"] = [IN_CONTAINER_INIT, "--", *spec["process"]["args"]]
        spec.setdefault("mounts", []).append({"destination": IN_CONTAINER_INIT, "type": "bind",
                                              "source": init_binary(), "options": ["bind", "ro"]})
    if (hc.get("CgroupnsMode") or "host") == "private":
        namespaces = linux.setdefault("namespaces", [])
        if not any(n.get("type") == "cgroup" for n in namespaces):
            namespaces.append({"type": "cgroup"})
    return spec
