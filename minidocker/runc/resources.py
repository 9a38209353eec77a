"""Writing linux.resources into the container's cgroups, v1 and v2 (cf. runc libcontainer/cgroups/fs/*.go and fs2/*.go)."""

from __future__ import annotations

import errno
import os

from ..errors import RuntimeFailure, Unsupported
from ..oci.runtime import DeviceRule, Resources
from .cgroups import UNIFIED, _write, is_unified

# The devices runc always allows on top of the spec's rules (cf. runc libcontainer/specconv AllowedDevices):
# mknod of any node, the default /dev nodes, ptys and the tun device.
DEFAULT_ALLOWED = ["b *:* m", "c *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                   "c 5:0 rwm", "c 5:2 rwm", "c 10:200 rwm", "c 136:* rwm"]


def apply(paths: dict[str, str], res: Resources, extra_devices: list[str]) -> None:
    """Write the limits into whichever hierarchies hold those controllers, in runc's order of subsystems."""
    unified = paths.get(UNIFIED)
    if unified and is_unified():
        _v2(unified, res)
        if res.devices:
            _devices_v2(unified, res.devices, extra_devices)
        return
    # v1 (on a hybrid host the v2 hierarchy holds no controllers: it is only joined)
    if res.cpuset_cpus or res.cpuset_mems:
        where = _v1(paths, "cpuset", "linux.resources.cpu.cpus/mems")
        if res.cpuset_cpus:
            _write(where, "cpuset.cpus", res.cpuset_cpus)
        if res.cpuset_mems:
            _write(where, "cpuset.mems", res.cpuset_mems)
    if "devices" in paths:
        _devices_v1(paths["devices"], res.devices, extra_devices)
    if "memory" in paths:
        _memory_v1(paths["memory"], res)
    cpu = _v1(paths, "cpu")
    if cpu:
        _cpu_v1(cpu, res)
    if "pids" in paths and res.pids is not None:
        _write(paths["pids"], "pids.max", res.pids if res.pids > 0 else "max")
    _blkio_v1(paths, res)
    for size, limit in res.hugepage_limits:
        _write(_v1(paths, "hugetlb", "linux.resources.hugepageLimits"), f"hugetlb.{size}.limit_in_bytes", limit)
    if res.net_classid is not None:
        _write(_v1(paths, "net_cls", "linux.resources.network.classID"), "net_cls.classid", res.net_classid)
    for name, priority in res.net_priorities:  # the kernel reads one "interface priority" per write
        _write(_v1(paths, "net_prio", "linux.resources.network.priorities"), "net_prio.ifpriomap", f"{name} {priority}")
    for line in _rdma(res):
        _write(_v1(paths, "rdma", "linux.resources.rdma"), "rdma.max", line)
    if res.unified:
        raise Unsupported("invalid configuration: cannot use unified on cgroup v1")  # runc's words


def _rdma(res: Resources) -> list[str]:
    """rdma.max lines, v1 and v2 alike: "mlx4_0 hca_handle=2 hca_object=2000" (cf. runc fscommon/rdma.go)."""
    return [device + (f" hca_handle={h}" if h is not None else "") + (f" hca_object={o}" if o is not None else "")
            for device, h, o in res.rdma]


def _v1(paths: dict[str, str], controller: str, field: str = "") -> str | None:
    """The container's cgroup in the v1 hierarchy holding `controller` ("cpu" is in "cpu,cpuacct" on
    some hosts). Absent: None, or an error naming `field` when a limit needs it (runc: "cannot set X limit")."""
    found = paths.get(controller) or next((p for k, p in paths.items() if controller in k.split(",")), None)
    if found is None and field:
        raise Unsupported(f"cannot set {field}: no {controller} cgroup hierarchy is mounted on this host")
    return found


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
    # Realtime first, before any process joins (a SCHED_RR task cannot join a group without rt runtime);
    # the period before the runtime, which must fit in it (cf. runc fs/cpu.go SetRtSched).
    if res.cpu_rt_period:
        _write(path, "cpu.rt_period_us", res.cpu_rt_period)
    if res.cpu_rt_runtime:
        _write(path, "cpu.rt_runtime_us", res.cpu_rt_runtime)
    if res.cpu_shares:
        _write(path, "cpu.shares", res.cpu_shares)
    if res.cpu_idle is not None:
        _write(path, "cpu.idle", res.cpu_idle)
    if res.cpu_period:
        _write(path, "cpu.cfs_period_us", res.cpu_period)
    if res.cpu_quota:
        _write(path, "cpu.cfs_quota_us", res.cpu_quota)


def _blkio_v1(paths: dict[str, str], res: Resources) -> None:
    """blkio.weight (CFQ) or blkio.bfq.weight (BFQ), per-device weights, and the four throttles."""
    b = res.block_io
    if not (b.weight or b.leaf_weight or b.weight_device or b.throttles()):
        return
    path = _v1(paths, "blkio", "linux.resources.blockIO")
    cfq = os.path.exists(path + "/blkio.weight")
    if b.weight or b.weight_device:
        if not cfq and not os.path.exists(path + "/blkio.bfq.weight"):
            raise Unsupported("cannot set linux.resources.blockIO weights: the disks' I/O scheduler is neither "
                              "CFQ nor BFQ (no blkio.weight or blkio.bfq.weight)")
        prefix = "blkio." if cfq else "blkio.bfq."
        if b.weight:
            _write(path, prefix + "weight", b.weight)
        for dev in b.weight_device:
            if dev.value is not None:
                _write(path, prefix + "weight_device", f"{dev.device} {dev.value}")
    if b.leaf_weight:
        _write(path, "blkio.leaf_weight", b.leaf_weight)
    for dev in b.weight_device:
        if dev.leaf is not None:
            _write(path, "blkio.leaf_weight_device", f"{dev.device} {dev.leaf}")
    for kind, dev in b.throttles():
        _write(path, f"blkio.throttle.{kind}_device", f"{dev.device} {dev.value or 0}")


def _rule(rule: DeviceRule) -> str:
    major = "*" if rule.major is None or rule.major < 0 else rule.major
    minor = "*" if rule.minor is None or rule.minor < 0 else rule.minor
    return "a" if rule.type == "a" and major == minor == "*" else f"{rule.type} {major}:{minor} {rule.access}"


def _sort_key(entry: str) -> tuple:
    kind, numbers = entry.split()[:2]
    return (kind,) + tuple(-1 if n == "*" else int(n) for n in numbers.split(":"))


def _devices_v1(path: str, rules: list[DeviceRule], extra: list[str]) -> None:
    """The rules take effect in the config's order (a later rule overrides an earlier one), then runc's
    defaults and linux.devices are allowed. Like runc's device emulator, the outcome is computed first and
    written as its final state: the default ("a" denied or allowed), then the exceptions sorted, which is
    also what devices.list shows."""
    if not rules:
        return
    allow_all, exceptions = emulate([(r.allow, _rule(r)) for r in rules] + [(True, e) for e in DEFAULT_ALLOWED + extra])
    _write(path, "devices.allow" if allow_all else "devices.deny", "a")
    for key in sorted(exceptions, key=_sort_key):
        _write(path, "devices.deny" if allow_all else "devices.allow", f"{key} {exceptions[key]}")


def _devices_v2(path: str, rules: list[DeviceRule], extra: list[str]) -> None:
    """v2 has no devices files: the same outcome as in v1, as an eBPF program attached to the cgroup (as runc)."""
    from ..linux import bpf

    allow_all, exceptions = emulate([(r.allow, _rule(r)) for r in rules] + [(True, e) for e in DEFAULT_ALLOWED + extra])
    try:
        bpf.attach_device_filter(path, bpf.program(allow_all, exceptions))
    except OSError as e:
        # runc's canSkipEBPFError: in a user namespace bpf(2) is not ours, and a rootless container cannot
        # mknod nor open the host's device nodes beyond what its user could anyway.
        from ..linux.namespaces import in_user_namespace

        if e.errno in (errno.EPERM, errno.EACCES) and in_user_namespace():
            return
        raise RuntimeFailure(f"cgroup v2 device filter on {path}: {e.strerror}") from None


def emulate(rules: list[tuple[bool, str]]) -> tuple[bool, dict[str, str]]:
    """The devices cgroup's list after writing `rules` ((allow, "a" or "c 1:3 rwm")) one by one, starting
    from allow-all: (the default is allow, {"c 1:3": "rwm", ...} exceptions to it)."""
    allow_all, exceptions = True, {}
    for allow, entry in rules:
        if entry == "a":
            allow_all, exceptions = allow, {}
            continue
        kind, numbers, access = entry.split()
        key = f"{kind} {numbers}"
        have = set(exceptions.get(key, ""))
        # An exception is the opposite of the default: the same verb adds to it, the other takes away.
        have = have | set(access) if allow != allow_all else have - set(access)
        if have:
            exceptions[key] = "".join(c for c in "rwm" if c in have)
        else:
            exceptions.pop(key, None)
    return allow_all, exceptions


IO_MAX = {"read_bps": "rbps", "write_bps": "wbps", "read_iops": "riops", "write_iops": "wiops"}


def _v2(path: str, res: Resources) -> None:
    """cgroup v2 files; a limit whose controller the parent does not delegate is an error, not a silent no-op.
    What v2 has no file for is refused by name (runc 1.1 ignores it silently)."""
    for value, field in ((res.cpu_rt_runtime or res.cpu_rt_period, "linux.resources.cpu.realtimeRuntime/realtimePeriod"),
                         (res.net_classid is not None or res.net_priorities, "linux.resources.network"),
                         (res.block_io.leaf_weight or any(d.leaf is not None for d in res.block_io.weight_device),
                          "linux.resources.blockIO.leafWeight")):
        if value:
            raise Unsupported(f"cannot set {field} on cgroup v2: it has no such controller files")
    if res.cpuset_cpus:
        _write(path, "cpuset.cpus", res.cpuset_cpus)
    if res.cpuset_mems:
        _write(path, "cpuset.mems", res.cpuset_mems)
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
    if res.cpu_idle is not None:
        _write(path, "cpu.idle", res.cpu_idle)
    _io_v2(path, res)
    for size, limit in res.hugepage_limits:
        _write(path, f"hugetlb.{size}.max", limit)
    for line in _rdma(res):
        _write(path, "rdma.max", line)
    _unified(path, res.unified)


def _unified(path: str, files: dict[str, str]) -> None:
    """linux.resources.unified: any v2 file by name, written last so it wins (cf. runc fs2 setUnified)."""
    for name, value in files.items():
        try:
            with open(f"{path}/{name}", "w") as f:
                f.write(value)
        except OSError as e:
            controller, dot, _ = name.partition(".")
            if not dot:
                raise Unsupported(f"unified resource {name!r} must be in the form CONTROLLER.PARAMETER") from None
            if not os.path.exists(f"{path}/{name}") and controller not in _controllers(path) and controller != "cgroup":
                raise Unsupported(f"unified resource {name!r} can't be set: controller {controller!r} not available") from None
            raise RuntimeFailure(f"unable to set unified resource {name!r}: {e.strerror}") from None


def _controllers(path: str) -> set[str]:
    try:
        with open(f"{path}/cgroup.controllers") as f:
            return set(f.read().split())
    except OSError:
        return set()


def _io_v2(path: str, res: Resources) -> None:
    """io.bfq.weight when BFQ is there (per-device weights only then), else io.weight converted from the
    blkio range 10..1000 to 1..10000 (cf. runc fs2/io.go, cgroups.ConvertBlkIOToIOWeightValue); io.max."""
    b = res.block_io
    bfq = os.path.exists(path + "/io.bfq.weight")
    if b.weight:
        if bfq:
            _write(path, "io.bfq.weight", b.weight)
        else:
            _write(path, "io.weight", 1 + (b.weight - 10) * 9999 // 990)
    for dev in b.weight_device:
        if dev.value is None:
            continue
        if not bfq:
            raise Unsupported("cannot set linux.resources.blockIO.weightDevice on cgroup v2 without the BFQ scheduler (io.bfq.weight)")
        _write(path, "io.bfq.weight", f"{dev.device} {dev.value}")
    for kind, dev in b.throttles():
        _write(path, "io.max", f"{dev.device} {IO_MAX[kind]}={dev.value or 'max'}")


def enable_v2_controllers(paths: dict[str, str]) -> None:
    """In unified mode, delegate memory, pids, cpu, cpuset, io and hugetlb down to the container's cgroup
    (cgroup.subtree_control), those of them the root offers."""
    leaf = paths.get(UNIFIED)
    if not leaf:
        return
    root = "/sys/fs/cgroup" if leaf.startswith("/sys/fs/cgroup/") and os.path.exists("/sys/fs/cgroup/cgroup.controllers") else None
    if root is None:
        return
    with open(root + "/cgroup.controllers") as f:
        available = set(f.read().split()) & {"memory", "pids", "cpu", "cpuset", "io", "hugetlb"}
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
