"""HostConfig fields added to the OCI spec after containers/spec.py has built it: memory swappiness,
the OOM killer switch and a private cgroup namespace (cf. moby daemon/oci_linux.go WithResources, WithCgroups,
WithNamespaces).

Each is set only where the base spec left it unset, so the spec builder can take any of them over.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidArgument, MinidockerError, Unsupported


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
    if (hc.get("CgroupnsMode") or "host") == "private":
        namespaces = linux.setdefault("namespaces", [])
        if not any(n.get("type") == "cgroup" for n in namespaces):
            namespaces.append({"type": "cgroup"})
    return spec
