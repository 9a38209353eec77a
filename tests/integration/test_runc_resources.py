"""linux.resources beyond memory/pids/cpu shares (config-linux.md "Control groups"): cpuset cpus and mems,
realtime runtime and period, block I/O throttles and weights, hugetlb, network classid/priorities, kernel
memory, and device rules in the config's order. Each bundle runs under runc and minirunc on this host's
v1 hierarchies and the container must see the same (or both refuse what the host cannot give)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from runc_fixture import bundle, cgroup_dirs, configure, runtimes  # noqa: F401 - fixtures

pytestmark = pytest.mark.root

CG = "/sys/fs/cgroup"


def with_resources(bundle: Path, resources: dict, args: list[str]) -> None:
    configure(bundle, args=args)
    spec = json.loads((bundle / "config.json").read_text())
    spec["linux"]["resources"].update(resources)
    (bundle / "config.json").write_text(json.dumps(spec))


def both(runtimes, bundle: Path) -> dict:
    seen = {}
    for runtime in ("runc", "minirunc"):
        cid = runtimes.new_id("res")
        done = runtimes(runtime, "run", "--bundle", str(bundle), cid)
        seen[runtime] = (done.returncode, done.stdout, done.stderr)
        assert cgroup_dirs(cid) == [], runtime
    return seen


def root_disk() -> str:
    """major:minor of the disk under / (a real block device: the throttles need one)."""
    dev = os.stat("/").st_dev
    name = Path(f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}")
    if (name / "partition").exists():
        name = name.resolve().parent
    return (name / "dev").read_text().strip() if (name / "dev").exists() else f"{os.major(dev)}:{os.minor(dev)}"


@pytest.mark.skipif(not os.path.isdir(f"{CG}/cpuset"), reason="no v1 cpuset hierarchy")
def test_cpuset_cpus_and_mems(runtimes, bundle: Path) -> None:
    with_resources(bundle, {"cpu": {"cpus": "0", "mems": "0"}},
                   ["sh", "-c", f"grep -E '^(Cpus|Mems)_allowed_list' /proc/self/status; cat {CG}/cpuset/cpuset.cpus {CG}/cpuset/cpuset.mems"])
    seen = both(runtimes, bundle)
    assert seen["minirunc"][:2] == (0, "Cpus_allowed_list:\t0\nMems_allowed_list:\t0\n0\n0\n")
    assert seen["minirunc"][:2] == seen["runc"][:2]


@pytest.mark.skipif(not os.path.exists(f"{CG}/cpu/cpu.rt_runtime_us"), reason="no RT group scheduling")
def test_realtime_runtime_and_period(runtimes, bundle: Path) -> None:
    with_resources(bundle, {"cpu": {"realtimePeriod": 500000, "realtimeRuntime": 20000}},
                   ["cat", f"{CG}/cpu/cpu.rt_period_us", f"{CG}/cpu/cpu.rt_runtime_us"])
    seen = both(runtimes, bundle)
    assert seen["minirunc"][:2] == (0, "500000\n20000\n"), seen["minirunc"]
    assert seen["minirunc"][:2] == seen["runc"][:2]


def test_block_io_throttles(runtimes, bundle: Path) -> None:
    major, minor = (int(x) for x in root_disk().split(":"))
    dev = {"major": major, "minor": minor}
    with_resources(bundle, {"blockIO": {"throttleReadBpsDevice": [{**dev, "rate": 1048576}],
                                        "throttleWriteBpsDevice": [{**dev, "rate": 2097152}],
                                        "throttleReadIOPSDevice": [{**dev, "rate": 300}],
                                        "throttleWriteIOPSDevice": [{**dev, "rate": 100}]}},
                   ["sh", "-c", f"cd {CG}/blkio; cat blkio.throttle.read_bps_device blkio.throttle.write_bps_device "
                                "blkio.throttle.read_iops_device blkio.throttle.write_iops_device"])
    seen = both(runtimes, bundle)
    d = f"{major}:{minor}"
    assert seen["minirunc"][:2] == (0, f"{d} 1048576\n{d} 2097152\n{d} 300\n{d} 100\n"), seen["minirunc"]
    assert seen["minirunc"][:2] == seen["runc"][:2]


@pytest.mark.parametrize("resources, unavailable", [
    ({"blockIO": {"weight": 500}}, f"{CG}/blkio/blkio.weight"),
    ({"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}, f"{CG}/hugetlb"),
    ({"network": {"classID": 1048577}}, f"{CG}/net_cls"),
    ({"rdma": {"mlx4_0": {"hcaHandles": 2}}}, f"{CG}/rdma"),
])
def test_what_this_host_lacks_is_refused_by_both(runtimes, bundle: Path, resources: dict, unavailable: str) -> None:
    """The hugetlb and net_cls controllers are not mounted here and the disk has no CFQ/BFQ scheduler:
    runc fails the container, and so does minirunc, naming the field (a silent no-op would be a lie)."""
    if os.path.exists(unavailable) or os.path.exists(unavailable.replace("blkio.weight", "blkio.bfq.weight")):
        pytest.skip(f"{unavailable} exists on this host")
    with_resources(bundle, resources, ["true"])
    seen = both(runtimes, bundle)
    assert seen["runc"][0] != 0 and seen["minirunc"][0] != 0
    assert "linux.resources." + next(iter(resources)) in seen["minirunc"][2]


def test_kernel_memory_ignored_with_runcs_warning(runtimes, bundle: Path) -> None:
    with_resources(bundle, {"memory": {"limit": 64 << 20, "kernel": 32 << 20, "kernelTCP": 16 << 20}},
                   ["cat", f"{CG}/memory/memory.limit_in_bytes", f"{CG}/memory/memory.kmem.limit_in_bytes"])
    seen = both(runtimes, bundle)
    assert seen["minirunc"][0] == 0 and seen["minirunc"][1].split()[0] == str(64 << 20)
    assert seen["minirunc"][:2] == seen["runc"][:2]  # kmem left at the kernel's default by both
    for runtime in ("runc", "minirunc"):
        assert "Kernel memory settings are ignored and will be removed" in seen[runtime][2], runtime


def test_device_rules_in_the_configs_order(runtimes, bundle: Path) -> None:
    """Later rules win: fuse allowed then denied is gone, kmsg denied then allowed read-only is "r", /dev/zero
    denied comes back with runc's defaults (appended after the config's rules); the kernel's list and what
    the container can open must be runc's."""
    rules = [{"allow": False, "access": "rwm"},
             {"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rwm"},
             {"allow": False, "type": "c", "major": 10, "minor": 229, "access": "rwm"},
             {"allow": True, "type": "c", "major": 1, "minor": 11, "access": "rw"},
             {"allow": False, "type": "c", "major": 1, "minor": 11, "access": "w"},
             {"allow": False, "type": "c", "major": 1, "minor": 5, "access": "rwm"}]
    with_resources(bundle, {"devices": rules},
                   ["sh", "-c", f"cat {CG}/devices/devices.list; head -c1 /dev/zero >/dev/null && echo zero-ok"])
    seen = both(runtimes, bundle)
    assert seen["minirunc"][0] == 0, seen["minirunc"]
    listed = seen["minirunc"][1].splitlines()
    assert "c 1:11 r" in listed and not [x for x in listed if "10:229" in x] and "zero-ok" in listed
    assert seen["minirunc"][1] == seen["runc"][1]


def test_allow_all_then_denies(runtimes, bundle: Path) -> None:
    """The other shape (Docker's --privileged then rules): allow-all, later denies as exceptions."""
    rules = [{"allow": True, "access": "rwm"}, {"allow": False, "type": "b", "major": 7, "access": "rwm"},
             {"allow": False, "type": "c", "major": 1, "minor": 5, "access": "w"}]
    with_resources(bundle, {"devices": rules}, ["cat", f"{CG}/devices/devices.list"])
    seen = both(runtimes, bundle)
    assert seen["minirunc"][:2] == (0, "a *:* rwm\n")  # a v1 list shows no exceptions of an allow-all
    assert seen["minirunc"][:2] == seen["runc"][:2]


def test_unified_is_refused_on_v1_as_runc(runtimes, bundle: Path) -> None:
    if os.path.exists(f"{CG}/cgroup.controllers"):
        pytest.skip("a cgroup v2 host")
    with_resources(bundle, {"unified": {"memory.high": "100000000"}}, ["true"])
    seen = both(runtimes, bundle)
    assert seen["runc"][0] != 0 and "cannot use unified on cgroup v1" in seen["runc"][2]
    assert seen["minirunc"][0] != 0 and "cannot use unified on cgroup v1" in seen["minirunc"][2]


@pytest.mark.skipif(not os.path.exists(f"{CG}/cpu/cpu.idle"), reason="no cpu.idle (kernel < 5.15)")
def test_cpu_idle_beyond_runc(runtimes, bundle: Path) -> None:
    """cpu.idle (SCHED_IDLE for the whole group): runc 1.1 ignores the field, minirunc writes it."""
    with_resources(bundle, {"cpu": {"idle": 1}}, ["cat", f"{CG}/cpu/cpu.idle"])
    seen = both(runtimes, bundle)
    assert seen["runc"][:2] == (0, "0\n")
    assert seen["minirunc"][:2] == (0, "1\n")
