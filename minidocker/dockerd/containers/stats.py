"""`docker stats`: CPU, memory, pids, network and block I/O of a running container from its cgroup and /proc (cf. moby daemon/stats/collector_unix.go, daemon/stats_linux.go).

The cgroup is the one minidocker.oci.defaults.cgroups_path names (/<instance>/<id>), under each v1
hierarchy or under the unified v2 tree. One sample is a dict in the Engine API's StatsJSON shape;
precpu_stats holds the previous sample so that clients compute a CPU percentage from the difference.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ...oci.defaults import cgroups_path

CG = Path("/sys/fs/cgroup")


def _read(path: Path, default: str = "0") -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return default


def _int(path: Path) -> int:
    value = _read(path)
    return int(value) if value.isdigit() else 0


def _kv(path: Path) -> dict[str, int]:
    out = {}
    for line in _read(path, "").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def _system_cpu_ns() -> int:
    fields = open("/proc/stat").readline().split()[1:8]
    return sum(int(f) for f in fields) * (1_000_000_000 // os.sysconf("SC_CLK_TCK"))


def _networks(pid: int) -> dict[str, Any]:
    out = {}
    try:
        lines = open(f"/proc/{pid}/net/dev").read().splitlines()[2:]
    except OSError:
        return out
    for line in lines:
        name, _, rest = line.partition(":")
        name, v = name.strip(), [int(x) for x in rest.split()]
        if name == "lo":
            continue
        out[name] = {"rx_bytes": v[0], "rx_packets": v[1], "rx_errors": v[2], "rx_dropped": v[3],
                     "tx_bytes": v[8], "tx_packets": v[9], "tx_errors": v[10], "tx_dropped": v[11]}
    return out


def sample(container_id: str, pid: int) -> dict[str, Any]:
    rel = cgroups_path(container_id).lstrip("/")
    ncpu = os.cpu_count() or 1
    v2 = (CG / "cgroup.controllers").exists()
    if v2:
        base = CG / rel
        cpu = _kv(base / "cpu.stat")
        total = cpu.get("usage_usec", 0) * 1000
        user, system = cpu.get("user_usec", 0) * 1000, cpu.get("system_usec", 0) * 1000
        mem_stats = _kv(base / "memory.stat")
        usage = _int(base / "memory.current")
        limit_raw = _read(base / "memory.max", "max")
        pids = _int(base / "pids.current")
    else:
        acct = CG / "cpuacct" / rel
        total = _int(acct / "cpuacct.usage")
        ticks = _kv(acct / "cpuacct.stat")
        tick_ns = 1_000_000_000 // os.sysconf("SC_CLK_TCK")
        user, system = ticks.get("user", 0) * tick_ns, ticks.get("system", 0) * tick_ns
        mem = CG / "memory" / rel
        mem_stats = _kv(mem / "memory.stat")
        usage = _int(mem / "memory.usage_in_bytes")
        limit_raw = _read(mem / "memory.limit_in_bytes", "max")
        pids = _int(CG / "pids" / rel / "pids.current")
    host_mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    limit = int(limit_raw) if limit_raw.isdigit() else host_mem
    now = time.time_ns()
    read = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now // 10**9)) + f".{now % 10**9:09d}Z"
    return {
        "read": read,
        "pids_stats": {"current": pids},
        "blkio_stats": {"io_service_bytes_recursive": None, "io_serviced_recursive": None},
        "num_procs": 0,
        "storage_stats": {},
        "cpu_stats": {"cpu_usage": {"total_usage": total, "usage_in_kernelmode": system, "usage_in_usermode": user},
                      "system_cpu_usage": _system_cpu_ns(), "online_cpus": ncpu,
                      "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}},
        "memory_stats": {"usage": usage, "stats": mem_stats, "limit": min(limit, host_mem)},
        "networks": _networks(pid),
    }


def stream(c, one_shot: bool, follow: bool, gone) -> Any:
    """Samples of a running container: one (with or without a 1 s precpu window) or one a second."""
    empty_cpu = {"cpu_usage": {"total_usage": 0}, "system_cpu_usage": 0, "online_cpus": os.cpu_count() or 1,
                 "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}}
    prev: dict[str, Any] | None = None
    while True:
        if not c.state.running:
            return
        cur = sample(c.id, c.state.pid)
        if prev is None and not one_shot:
            prev = cur
            if not follow:
                time.sleep(1.0)  # Docker's stream=false waits for a second sample, for a CPU percentage
                continue
        cur["preread"] = prev["read"] if prev else "0001-01-01T00:00:00Z"
        cur["precpu_stats"] = prev["cpu_stats"] if prev else empty_cpu
        cur["name"], cur["id"] = c.name, c.id
        yield cur
        if not follow:
            return
        prev = cur
        for _ in range(10):
            time.sleep(0.1)
            if gone():
                return
