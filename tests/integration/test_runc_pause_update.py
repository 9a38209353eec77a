"""pause/resume through the freezer cgroup, and update of limits on a live container (`docker pause`,
`docker update` end in these runc verbs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runc_fixture import bundle, cgroup_dirs, configure, runtimes  # noqa: F401 - fixtures

pytestmark = pytest.mark.root


def test_pause_resume(runtimes, bundle: Path) -> None:
    configure(bundle, args=["sleep", "60"])
    cid = runtimes.new_id("pause")
    assert runtimes("minirunc", "run", "-d", "--bundle", str(bundle), cid).returncode == 0
    freezer = Path(json.loads((runtimes.roots["minirunc"] / cid / "state.json").read_text())["cgroup_paths"]["freezer"])
    assert runtimes("minirunc", "pause", cid).returncode == 0
    assert runtimes.state("minirunc", cid)["status"] == "paused"
    assert (freezer / "freezer.state").read_text().strip() == "FROZEN"
    refused = runtimes("minirunc", "exec", cid, "true")
    assert refused.returncode != 0 and "paused" in refused.stderr
    assert runtimes("minirunc", "resume", cid).returncode == 0
    assert runtimes.state("minirunc", cid)["status"] == "running"
    assert runtimes("minirunc", "exec", cid, "true").returncode == 0
    assert runtimes("minirunc", "pause", cid).returncode == 0
    assert runtimes("minirunc", "delete", "--force", cid).returncode == 0  # thawed, killed, removed
    assert cgroup_dirs(cid) == []


def test_update_limits_of_a_live_container(runtimes, bundle: Path, tmp_path: Path) -> None:
    configure(bundle, args=["sleep", "60"], memory=64 * 1024 * 1024, pids=50)
    cid = runtimes.new_id("upd")
    assert runtimes("minirunc", "run", "-d", "--bundle", str(bundle), cid).returncode == 0
    paths = json.loads((runtimes.roots["minirunc"] / cid / "state.json").read_text())["cgroup_paths"]
    assert runtimes("minirunc", "update", "--pids-limit", "20", cid).returncode == 0
    (tmp_path / "res.json").write_text(json.dumps({"memory": {"limit": 32 * 1024 * 1024}, "cpu": {"shares": 256}}))
    assert runtimes("minirunc", "update", "--resources", str(tmp_path / "res.json"), cid).returncode == 0
    assert Path(paths["pids"], "pids.max").read_text().strip() == "20"
    assert int(Path(paths["memory"], "memory.limit_in_bytes").read_text()) == 32 * 1024 * 1024
    assert Path(paths["cpu"], "cpu.shares").read_text().strip() == "256"
    bad = runtimes("minirunc", "update", "--resources", str(tmp_path / "res.json"), "no-such-container")
    assert bad.returncode != 0 and "does not exist" in bad.stderr
