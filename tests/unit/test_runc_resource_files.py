"""linux.resources -> cgroup files, v1 and v2, written into a fake cgroup tree (regular files in tmp_path):
what each field becomes, in which order, and what a version without the controller refuses by name.
The v1 paths are also checked on this host against runc (tests/integration/test_runc_resources.py); the
v2 ones run for real in scripts/test-cgroup2-vm.sh's VM."""

from __future__ import annotations

from pathlib import Path

import pytest

from minidocker.errors import Unsupported
from minidocker.oci.runtime import Resources
from minidocker.runc import resources

FULL = {
    "cpu": {"cpus": "0-1", "mems": "0", "realtimeRuntime": 10000, "realtimePeriod": 1000000, "shares": 512},
    "blockIO": {"weight": 300, "weightDevice": [{"major": 8, "minor": 0, "weight": 500}],
                "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}],
                "throttleWriteIOPSDevice": [{"major": 8, "minor": 16, "rate": 20}]},
    "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
    "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 5}, {"name": "lo", "priority": 2}]},
    "memory": {"kernel": 1 << 30},
}


class Recorder(list):
    """Every (directory name, file, value) the writer produces, in order."""

    def __call__(self, directory: str, name: str, value: object) -> None:
        self.append((Path(directory).name, name, str(value)))


@pytest.fixture
def writes(monkeypatch) -> Recorder:
    rec = Recorder()
    monkeypatch.setattr(resources, "_write", rec)
    return rec


def v1_tree(tmp_path: Path, *files: str) -> dict[str, str]:
    paths = {}
    for key in ("cpuset", "cpu,cpuacct", "memory", "pids", "blkio", "hugetlb", "net_cls,net_prio"):
        d = tmp_path / key
        d.mkdir()
        paths[key] = str(d)
    for f in files:
        (tmp_path / f).touch()
    return paths


def test_v1_every_field_in_runcs_order(tmp_path: Path, writes: Recorder, monkeypatch) -> None:
    monkeypatch.setattr(resources, "is_unified", lambda: False)
    paths = v1_tree(tmp_path, "blkio/blkio.weight")  # CFQ
    res = Resources(FULL)
    assert res.kernel_memory  # accepted, ignored (container.create warns as runc)
    resources.apply(paths, res, [])
    assert writes == [
        ("cpuset", "cpuset.cpus", "0-1"), ("cpuset", "cpuset.mems", "0"),
        ("cpu,cpuacct", "cpu.rt_period_us", "1000000"), ("cpu,cpuacct", "cpu.rt_runtime_us", "10000"),
        ("cpu,cpuacct", "cpu.shares", "512"),
        ("blkio", "blkio.weight", "300"), ("blkio", "blkio.weight_device", "8:0 500"),
        ("blkio", "blkio.throttle.read_bps_device", "8:0 1048576"),
        ("blkio", "blkio.throttle.write_iops_device", "8:16 20"),
        ("hugetlb", "hugetlb.2MB.limit_in_bytes", "4194304"),
        ("net_cls,net_prio", "net_cls.classid", "1048577"),
        ("net_cls,net_prio", "net_prio.ifpriomap", "eth0 5"), ("net_cls,net_prio", "net_prio.ifpriomap", "lo 2"),
    ]


def test_v1_bfq_weights_and_missing_hierarchies(tmp_path: Path, writes: Recorder, monkeypatch) -> None:
    monkeypatch.setattr(resources, "is_unified", lambda: False)
    paths = v1_tree(tmp_path, "blkio/blkio.bfq.weight")
    resources.apply(paths, Resources({"blockIO": {"weight": 100}}), [])
    assert writes == [("blkio", "blkio.bfq.weight", "100")]
    (tmp_path / "blkio" / "blkio.bfq.weight").unlink()
    with pytest.raises(Unsupported, match="neither CFQ nor BFQ"):
        resources.apply(paths, Resources({"blockIO": {"weight": 100}}), [])
    del paths["hugetlb"]
    with pytest.raises(Unsupported, match="hugepageLimits: no hugetlb cgroup hierarchy"):
        resources.apply(paths, Resources({"hugepageLimits": [{"pageSize": "2MB", "limit": 0}]}), [])


def test_v2_files(tmp_path: Path, writes: Recorder) -> None:
    res = Resources({"cpu": {"cpus": "1", "mems": "0"}, "hugepageLimits": [{"pageSize": "1GB", "limit": 0}],
                     "blockIO": {"weight": 1000, "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1024}],
                                 "throttleWriteIOPSDevice": [{"major": 8, "minor": 0, "rate": 7}]}})
    resources._v2(str(tmp_path), res)
    assert writes == [
        (tmp_path.name, "cpuset.cpus", "1"), (tmp_path.name, "cpuset.mems", "0"),
        (tmp_path.name, "io.weight", "10000"),  # 10..1000 -> 1..10000
        (tmp_path.name, "io.max", "8:0 rbps=1024"), (tmp_path.name, "io.max", "8:0 wiops=7"),
        (tmp_path.name, "hugetlb.1GB.max", "0"),
    ]
    writes.clear()
    (tmp_path / "io.bfq.weight").touch()
    resources._v2(str(tmp_path), Resources({"blockIO": {"weight": 10, "weightDevice": [{"major": 8, "minor": 0, "weight": 20}]}}))
    assert writes == [(tmp_path.name, "io.bfq.weight", "10"), (tmp_path.name, "io.bfq.weight", "8:0 20")]


@pytest.mark.parametrize("raw, field", [
    ({"cpu": {"realtimeRuntime": 1000}}, "realtimeRuntime"),
    ({"network": {"classID": 1}}, "linux.resources.network"),
    ({"blockIO": {"leafWeight": 100}}, "leafWeight"),
])
def test_v2_refuses_what_it_has_no_files_for(tmp_path: Path, writes: Recorder, raw: dict, field: str) -> None:
    with pytest.raises(Unsupported, match=field):
        resources._v2(str(tmp_path), Resources(raw))
    assert writes == []


@pytest.mark.parametrize("raw, field", [
    ({"blockIO": {"weight": 5}}, "blockIO.weight"),
    ({"hugepageLimits": [{"pageSize": "2M", "limit": 1}]}, "pageSize"),
    ({"blockIO": {"throttleReadBpsDevice": [{"rate": 1}]}}, "throttleReadBpsDevice"),
])
def test_malformed_values_are_named(raw: dict, field: str) -> None:
    from minidocker.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match=field):
        Resources(raw)


def test_device_rules_take_effect_in_order() -> None:
    """The devices cgroup's semantics (later rules override earlier ones), as runc's emulator computes them."""
    deny_all = (False, "a")
    assert resources.emulate([deny_all, (True, "c 1:3 rwm"), (False, "c 1:3 w")]) == (False, {"c 1:3": "rm"})
    assert resources.emulate([deny_all, (False, "c 1:3 rwm"), (True, "c 1:3 rw")]) == (False, {"c 1:3": "rw"})
    assert resources.emulate([(True, "a"), (False, "b 7:* rwm"), (True, "b 7:* r")]) == (True, {"b 7:*": "wm"})
    assert resources.emulate([deny_all, (True, "c 1:3 r"), (True, "a")]) == (True, {})  # "a" resets the list


def test_idle_rdma_and_unified(tmp_path: Path, writes: Recorder, monkeypatch) -> None:
    raw = {"cpu": {"idle": 1}, "rdma": {"mlx4_0": {"hcaHandles": 2, "hcaObjects": 2000}, "mlx5_1": {"hcaHandles": 3}}}
    monkeypatch.setattr(resources, "is_unified", lambda: False)
    paths = v1_tree(tmp_path)
    (tmp_path / "rdma").mkdir()
    paths["rdma"] = str(tmp_path / "rdma")
    resources.apply(paths, Resources(raw), [])
    assert writes == [("cpu,cpuacct", "cpu.idle", "1"), ("rdma", "rdma.max", "mlx4_0 hca_handle=2 hca_object=2000"),
                      ("rdma", "rdma.max", "mlx5_1 hca_handle=3")]
    with pytest.raises(Unsupported, match="cannot use unified on cgroup v1"):
        resources.apply(paths, Resources({"unified": {"memory.high": "max"}}), [])
    writes.clear()
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "cgroup.controllers").write_text("cpu memory pids\n")
    (v2 / "memory.high").write_text("")
    resources._v2(str(v2), Resources({**raw, "unified": {"memory.high": "1000000"}}))
    assert writes == [("v2", "cpu.idle", "1"), ("v2", "rdma.max", "mlx4_0 hca_handle=2 hca_object=2000"),
                      ("v2", "rdma.max", "mlx5_1 hca_handle=3")]
    assert (v2 / "memory.high").read_text() == "1000000"  # unified files are written directly, last
    with pytest.raises(Unsupported, match="controller 'io' not available"):
        resources._unified(str(v2 / "missing"), {"io.max": "8:0 rbps=1"})
