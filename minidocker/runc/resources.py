"""Writing linux.resources into the container's cgroups, v1 and v2 (cf. runc libcontainer/cgroups/fs/*.go and fs2/*.go)."""

from __future__ import annotations

import os

from ..oci.runtime import DeviceRule, Resources
from .cgroups import UNIFIED, _write, is_unified

# The devices runc always allows on top of the spec's rules (cf. runc libcontainer/specconv AllowedDevices):
# mknod of any node, the default /dev nodes, ptys and the tun device.
DEFAULT_ALLOWED = ["b *:* m", "c *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                   "c 5:0 rwm", "c 5:2 rwm", "c 10:200 rwm", "c 136:* rwm"]


def apply(paths: dict[str, str], res: Resources, extra_devices: list[str]) -> None:
    """Set memory, pids, cpu and device limits in whichever hierarchies hold those controllers."""
    if "memory" in paths:
        _memory_v1(paths["memory"], res)
    if "pids" in paths and res.pids is not None:
        _write(paths["pids"], "pids.max", res.pids if res.pids > 0 else "max")
    cpu = next((p for k, p in paths.items() if "cpu" in k.split(",")), None)
    if cpu:
        _cpu_v1(cpu, res)
    if "devices" in paths:
        _devices_v1(paths["devices"], res.devices, extra_devices)
    unified = paths.get(UNIFIED)
    if unified and is_unified():  # on a hybrid host the v2 hierarchy holds no controllers: join only
        _v2(unified, res)


def _memory_v1(path: str, res: Resources) -> None:
    memsw = os.path.exists(path + "/memory.memsw.limit_in_bytes")
    limit, swap = res.memory, res.memory_swap
    if limit is not None:
        # memsw (memory+swap) may never be below the memory limit: raise it first when growing.
        if memsw and swap is not None:
            with open(path + "/memory.memsw.limit_in_bytes") as f:
                current = int(f.read())
            if swap == -1 or (0 < current < swap):
                _write(path, "memory.memsw.limit_in_bytes", swap)
        _write(path, "memory.limit_in_bytes", limit)
    if memsw and swap is not None:
        _write(path, "memory.memsw.limit_in_bytes", swap)
    if res.memory_reservation is not None:
        _write(path, "memory.soft_limit_in_bytes", res.memory_reservation)
    if res.memory_swappiness is not None and 0 <= res.memory_swappiness <= 100:
        _write(path, "memory.swappiness", res.memory_swappiness)
    if res.oom_kill_disable:
        _write(path, "memory.oom_control", 1)


def _cpu_v1(path: str, res: Resources) -> None:
    if res.cpu_shares:
        _write(path, "cpu.shares", res.cpu_shares)
    if res.cpu_period:
        _write(path, "cpu.cfs_period_us", res.cpu_period)
    if res.cpu_quota:
        _write(path, "cpu.cfs_quota_us", res.cpu_quota)


def _rule(rule: DeviceRule) -> str:
    major = "*" if rule.major is None or rule.major < 0 else rule.major
    minor = "*" if rule.minor is None or rule.minor < 0 else rule.minor
    return "a" if rule.type == "a" and major == minor == "*" else f"{rule.type} {major}:{minor} {rule.access}"


def _sort_key(entry: str) -> tuple:
    kind, numbers, _ = entry.split()
    return (kind,) + tuple(-1 if n == "*" else int(n) for n in numbers.split(":"))


def _devices_v1(path: str, rules: list[DeviceRule], extra: list[str]) -> None:
    """The usual shape, "deny all" then allows, becomes what runc's device emulator writes: deny all,
    then the union of the allows, runc's defaults and linux.devices, sorted (devices.list shows the same).
    Any other shape is written rule by rule, in order, then the defaults."""
    if not rules:
        return
    if _rule(rules[0]) == "a" and not rules[0].allow and all(r.allow for r in rules[1:]):
        _write(path, "devices.deny", "a")
        for entry in sorted({_rule(r) for r in rules[1:]} | set(DEFAULT_ALLOWED) | set(extra), key=_sort_key):
            _write(path, "devices.allow", entry)
        return
    for rule in rules:
        _write(path, "devices.allow" if rule.allow else "devices.deny", _rule(rule))
    for entry in DEFAULT_ALLOWED + extra:
        _write(path, "devices.allow", entry)


def _v2(path: str, res: Resources) -> None:
    """cgroup v2 files; a limit whose controller the parent does not delegate is an error, not a silent no-op."""
    if res.memory is not None:
        _write(path, "memory.max", res.memory if res.memory > 0 else "max")
        if res.memory_swap is not None:
            # v2 limits swap alone; the spec's swap is memory+swap, as in v1.
            swap = "max" if res.memory_swap == -1 else max(res.memory_swap - res.memory, 0)
            if os.path.exists(path + "/memory.swap.max"):
                _write(path, "memory.swap.max", swap)
    if res.memory_reservation is not None:
        _write(path, "memory.low", res.memory_reservation)
    if res.pids is not None:
        _write(path, "pids.max", res.pids if res.pids > 0 else "max")
    if res.cpu_shares:
        _write(path, "cpu.weight", 1 + ((res.cpu_shares - 2) * 9999) // 262142)
    if res.cpu_quota or res.cpu_period:
        quota = res.cpu_quota if res.cpu_quota and res.cpu_quota > 0 else "max"
        _write(path, "cpu.max", f"{quota} {res.cpu_period or 100000}")


def enable_v2_controllers(paths: dict[str, str]) -> None:
    """In unified mode, delegate memory, pids and cpu down to the container's cgroup (cgroup.subtree_control)."""
    leaf = paths.get(UNIFIED)
    if not leaf:
        return
    root = "/sys/fs/cgroup" if leaf.startswith("/sys/fs/cgroup/") and os.path.exists("/sys/fs/cgroup/cgroup.controllers") else None
    if root is None:
        return
    with open(root + "/cgroup.controllers") as f:
        available = set(f.read().split()) & {"memory", "pids", "cpu"}
    d = root
    for part in os.path.relpath(leaf, root).split("/")[:-1]:
        for c in available:
            try:
                _write(d, "cgroup.subtree_control", "+" + c)
            except Exception:
                pass  # already enabled, or a process sits in d (the "no internal processes" rule)
        d = os.path.join(d, part)
    for c in available:
        try:
            _write(d, "cgroup.subtree_control", "+" + c)
        except Exception:
            pass
