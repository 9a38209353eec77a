"""Bad input to minirunc: one line on stderr, a non-zero exit, and no mount, cgroup, process or state left."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runc_fixture import bundle, cgroup_dirs, configure, mounts_mentioning, processes_mentioning, runtimes  # noqa: F401

pytestmark = pytest.mark.root


def refused(runtimes, bundle: Path, *args: str, cid: str) -> str:
    """Run a command that must fail; check the error is one line and nothing of `cid` is left behind."""
    done = runtimes("minirunc", *args)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("minirunc: "), done.stderr
    assert "Traceback" not in done.stderr
    assert cgroup_dirs(cid) == []
    assert mounts_mentioning(str(bundle)) == []
    assert processes_mentioning(cid) == []
    assert not (runtimes.roots["minirunc"] / cid).exists()
    return lines[0]


def test_missing_config(runtimes, bundle: Path) -> None:
    (bundle / "config.json").unlink()
    cid = runtimes.new_id("bad")
    assert "config.json not found" in refused(runtimes, bundle, "create", "--bundle", str(bundle), cid, cid=cid)


def test_malformed_config(runtimes, bundle: Path) -> None:
    (bundle / "config.json").write_text('{"ociVersion": "1.0.2", "process": ')
    cid = runtimes.new_id("bad")
    assert "not valid JSON" in refused(runtimes, bundle, "run", "--bundle", str(bundle), cid, cid=cid)


def test_wrong_type_names_the_field(runtimes, bundle: Path) -> None:
    spec = json.loads((bundle / "config.json").read_text())
    spec["process"]["args"] = "sh -c true"
    (bundle / "config.json").write_text(json.dumps(spec))
    cid = runtimes.new_id("bad")
    assert "process.args" in refused(runtimes, bundle, "create", "--bundle", str(bundle), cid, cid=cid)


def test_unsupported_field_is_named(runtimes, bundle: Path) -> None:
    spec = json.loads((bundle / "config.json").read_text())
    spec["linux"]["intelRdt"] = {"closID": "x"}
    (bundle / "config.json").write_text(json.dumps(spec))
    cid = runtimes.new_id("bad")
    assert "linux.intelRdt" in refused(runtimes, bundle, "create", "--bundle", str(bundle), cid, cid=cid)


def test_missing_rootfs(runtimes, bundle: Path, tmp_path: Path) -> None:
    configure(bundle, root=str(tmp_path / "no-such-rootfs"))
    cid = runtimes.new_id("bad")
    assert "does not exist" in refused(runtimes, bundle, "create", "--bundle", str(bundle), cid, cid=cid)


def test_missing_executable_fails_at_create(runtimes, bundle: Path) -> None:
    """The init dies after mounting and joining cgroups: the error must still undo all of it."""
    configure(bundle, args=["no-such-program"])
    cid = runtimes.new_id("bad")
    assert "executable file not found" in refused(runtimes, bundle, "create", "--bundle", str(bundle), cid, cid=cid)


def test_duplicate_id(runtimes, bundle: Path) -> None:
    configure(bundle, args=["sleep", "60"])
    cid = runtimes.new_id("dup")
    assert runtimes("minirunc", "create", "--bundle", str(bundle), cid).returncode == 0
    pid = runtimes.state("minirunc", cid)["pid"]
    done = runtimes("minirunc", "create", "--bundle", str(bundle), cid)
    assert done.returncode != 0 and done.stderr.strip() == f"minirunc: container with id exists: {cid}"
    assert runtimes.state("minirunc", cid)["pid"] == pid  # the first container is untouched


def test_start_of_running_container(runtimes, bundle: Path) -> None:
    configure(bundle, args=["sleep", "60"])
    cid = runtimes.new_id("twice")
    assert runtimes("minirunc", "run", "-d", "--bundle", str(bundle), cid).returncode == 0
    done = runtimes("minirunc", "start", cid)
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1
    assert "already running" in done.stderr
    assert runtimes.state("minirunc", cid)["status"] == "running"


def test_delete_running_needs_force(runtimes, bundle: Path) -> None:
    configure(bundle, args=["sleep", "60"])
    cid = runtimes.new_id("del")
    assert runtimes("minirunc", "run", "-d", "--bundle", str(bundle), cid).returncode == 0
    done = runtimes("minirunc", "delete", cid)
    assert done.returncode != 0 and "not stopped: running" in done.stderr
    assert runtimes.state("minirunc", cid)["status"] == "running"
    assert runtimes("minirunc", "delete", "--force", cid).returncode == 0
    assert cgroup_dirs(cid) == [] and processes_mentioning(cid) == [] and mounts_mentioning(str(bundle)) == []


def test_unknown_container(runtimes) -> None:
    done = runtimes("minirunc", "state", "no-such-container")
    assert done.returncode != 0 and done.stderr.strip() == "minirunc: container does not exist: no-such-container"


def test_systemd_cgroup_refused(runtimes, bundle: Path) -> None:
    cid = runtimes.new_id("sd")
    assert "systemd" in refused(runtimes, bundle, "--systemd-cgroup", "create", "--bundle", str(bundle), cid, cid=cid)


def test_missing_bind_source_is_named(runtimes, bundle: Path, tmp_path: Path) -> None:
    """The init fails while mounting, early: its own message reaches the caller, and all is undone."""
    spec = json.loads((bundle / "config.json").read_text())
    spec["mounts"].append({"destination": "/data", "type": "bind", "source": str(tmp_path / "absent"), "options": ["rbind"]})
    (bundle / "config.json").write_text(json.dumps(spec))
    cid = runtimes.new_id("bad")
    assert "bind source" in refused(runtimes, bundle, "create", "--bundle", str(bundle), cid, cid=cid)
