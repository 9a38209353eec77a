"""Limits in a rootless engine through a cgroup subtree delegated to its user (issue 15; rootless/cgroups.py):
--memory OOM-kills (OOMKilled true, exit 137), --pids-limit refuses forks, stats and inspect show them,
removal leaves no cgroup; the learner cannot raise their own cap, escape it, move another's processes or
touch another learner's subtree; undelegate removes everything. On this hybrid host that is cgroup v1;
scripts/test-cgroup2-vm.sh proves the v2 path in a stock Debian VM."""

from __future__ import annotations

import json
import os

import pytest

from minidocker.rootless import cgroups as delegation
from minidocker.runc import cgroups as cg
from rootless_fixture import learners  # noqa: F401

pytestmark = pytest.mark.root

CAP_MEMORY = 384 << 20  # the learner's whole allowance: engine, shims and containers together
CAP_PIDS = 200


def _dirs(user: str) -> list[str]:
    return [point + delegation.relative(user) for point in delegation.mounts().values()]


def _memory_file(user: str) -> str:
    point = delegation.mounts()["" if cg.is_unified() else "memory"]
    return point + delegation.relative(user) + ("/memory.max" if cg.is_unified() else "/memory.limit_in_bytes")


def _cap_hits(user: str) -> int:
    """How often the learner's own memory cap (their directory's, not a container's) was hit."""
    mine = {key: point + delegation.relative(user) for key, point in delegation.mounts().items()}
    if cg.is_unified():
        with open(mine[""] + "/memory.events") as f:
            return dict((k, int(v)) for k, v in (line.split() for line in f))["max"]
    with open(mine["memory"] + "/memory.failcnt") as f:
        hits = int(f.read())
    # With memory + swap capped too, that counter is hit first and this kernel keeps no failcnt for it: the peak
    # of her directory reaching her cap is the evidence then.
    with open(mine["memory"] + "/memory.max_usage_in_bytes") as f:
        return hits + (int(f.read()) >= CAP_MEMORY)


@pytest.fixture(scope="module")
def carol(learners):  # noqa: F811
    user = learners(cgroups={"memory": CAP_MEMORY, "pids": CAP_PIDS})
    user.md("daemon", "start")
    return user


@pytest.fixture(scope="module")
def dave(learners):  # noqa: F811
    user = learners(cgroups={"memory": CAP_MEMORY, "pids": CAP_PIDS})
    user.md("daemon", "start")
    return user


def _state(user, name: str) -> dict:
    return json.loads(user.md("inspect", name).stdout)[0]


def test_delegated_subtree_is_theirs_and_capped(carol):
    for d in _dirs(carol.name):
        assert os.stat(d).st_uid == carol.uid and os.stat(d + "/cgroup.procs").st_uid == carol.uid
    assert os.stat(_memory_file(carol.name)).st_uid == 0  # the cap stays root's
    with open(_memory_file(carol.name)) as f:
        assert int(f.read()) == CAP_MEMORY
    swap = _memory_file(carol.name).replace("memory.limit_in_bytes", "memory.memsw.limit_in_bytes").replace(
        "memory.max", "memory.swap.max")  # nor can swap take them past it
    if os.path.exists(swap):
        with open(swap) as f:
            assert int(f.read()) == (0 if cg.is_unified() else CAP_MEMORY)
        assert os.stat(swap).st_uid == 0
    # The engine moved itself in: its daemons run in USER/engine.
    pid = int((carol.run_dir / "minidockerd.pid").read_text())
    own = cg.own_cgroups(str(pid))
    assert own["memory"] == delegation.relative(carol.name) + "/" + delegation.ENGINE, own


def test_memory_limit_oom_kills(carol):
    done = carol.md("run", "--name", "oom", "--memory", "32m", "busybox", "sh", "-c", "x=a; while true; do x=$x$x; done",
                    check=False)
    assert done.returncode == 137, done.stderr
    state = _state(carol, "oom")
    assert state["State"]["OOMKilled"] is True and state["State"]["ExitCode"] == 137
    assert state["HostConfig"]["Memory"] == 32 << 20
    carol.md("rm", "oom")


def test_pids_limit_refuses_forks_and_shows(carol):
    cid = carol.md("run", "-d", "--name", "lim", "--memory", "48m", "--pids-limit", "16", "busybox", "sleep", "300").stdout.strip()
    try:
        forks = carol.md("exec", "lim", "sh", "-c", "for i in $(seq 30); do sleep 10 & done; wait", check=False)
        assert "can't fork" in forks.stderr, forks.stderr
        mine = [d for d in _dirs(carol.name) if "/pids/" in d or cg.is_unified()][0]
        container = f"{mine}/minidocker/{cid}"  # USER/<instance>/<id>; the learner's instance is "minidocker"
        with open(container + "/pids.max") as f:
            assert f.read().strip() == "16"
        row = carol.md("stats", "--no-stream", "lim").stdout.splitlines()[1].split()  # ID NAME CPU% USAGE / LIMIT ...
        assert row[5] == "48MiB" and 0 < int(row[-1]) <= 16, row
        assert _state(carol, "lim")["HostConfig"]["PidsLimit"] == 16
    finally:
        carol.md("rm", "-f", "lim")
    assert not os.path.exists(container)  # removal cleans the container's cgroup


def test_cap_holds_above_a_containers_own_limit(carol):
    """A container asking for more than the learner's cap still stops at the cap (every ancestor's limit counts)."""
    hits = _cap_hits(carol.name)
    done = carol.md("run", "--rm", "--memory", "4g", "busybox", "sh", "-c", "x=a; while true; do x=$x$x; done",
                    check=False)
    assert done.returncode == 137, done.stderr
    forks = carol.md("run", "--rm", "--pids-limit", "5000", "busybox", "sh", "-c",
                     f"for i in $(seq {CAP_PIDS + 50}); do sleep 5 & done; wait", check=False)
    assert "can't fork" in forks.stderr, forks.stderr
    assert _cap_hits(carol.name) > hits  # stopped by her cap, not the container's 4g
    # (v1 counts a refused fork only in the forking cgroup's pids.events; CAP_PIDS + 50 forks, far below the
    # container's 5000 and the host's pid_max, fail only because of her cap.)


def test_a_controller_not_delegated_is_refused_in_one_line(carol):
    if cg.is_unified():
        pytest.skip("cgroup v1: cpuset is not delegated there (on v2 it is)")
    done = carol.md("run", "--rm", "--cpuset-cpus", "0", "busybox", "true", check=False)
    assert done.returncode == 125, done.stderr
    assert f"--cpuset-cpus needs the cpuset controller, which is not delegated to {carol.name}" in done.stderr
    assert not [d for d in _dirs(carol.name) if "/cpuset/" in d or "/freezer/" in d]


def test_learner_cannot_raise_their_cap(carol):
    cap = _memory_file(carol.name)
    done = carol.run("sh", "-c", f"echo {CAP_MEMORY * 4} > {cap}", check=False)
    assert done.returncode != 0 and "Permission denied" in done.stderr
    pids = [d for d in _dirs(carol.name) if "/pids/" in d or cg.is_unified()][0] + "/pids.max"
    done = carol.run("sh", "-c", f"echo max > {pids}", check=False)
    assert done.returncode != 0 and "Permission denied" in done.stderr
    with open(cap) as f:
        assert int(f.read()) == CAP_MEMORY


def test_learner_cannot_leave_their_subtree(carol):
    """Out to the hierarchy's root (or any cgroup root owns): denied."""
    for point in delegation.mounts().values():
        done = carol.run("sh", "-c", f"echo $$ > {point}/cgroup.procs", check=False)
        assert done.returncode != 0, point


def test_learner_cannot_touch_another_learners_subtree(carol, dave):
    for d in _dirs(dave.name):
        done = carol.run("sh", "-c", f"echo $$ > {d}/cgroup.procs", check=False)
        assert done.returncode != 0, d  # into dave's subtree: denied
        done = carol.run("mkdir", f"{d}/carol-was-here", check=False)
        assert done.returncode != 0 and not os.path.exists(f"{d}/carol-was-here")
    # dave's engine into carol's own subtree (she owns its cgroup.procs, not his process): denied.
    pid = int((dave.run_dir / "minidockerd.pid").read_text())
    mine = _dirs(carol.name)[0]
    done = carol.run("sh", "-c", f"echo {pid} > {mine}/cgroup.procs", check=False)
    assert done.returncode != 0
    assert delegation.relative(carol.name) not in "".join(cg.own_cgroups(str(pid)).values())


def test_undelegate_removes_everything(learners):  # noqa: F811
    erin = learners(cgroups={"memory": CAP_MEMORY, "pids": CAP_PIDS})
    erin.md("daemon", "start")
    erin.md("run", "-d", "--memory", "32m", "busybox", "sleep", "300")
    dirs = _dirs(erin.name)
    assert all(os.path.isdir(d) for d in dirs)
    delegation.undelegate(erin.name)
    assert not any(os.path.exists(d) for d in dirs)
    assert not delegation.subtree_pids(erin.name)


def test_refusal_names_the_command(learners):  # noqa: F811
    frank = learners()
    frank.md("daemon", "start")
    for flag, value in (("--memory", "16m"), ("--pids-limit", "10"), ("--cpus", "0.5")):
        done = frank.md("run", "--rm", flag, value, "busybox", "true", check=False)
        assert done.returncode == 125
        first = done.stderr.strip().splitlines()[0]
        assert f"{flag} needs a cgroup subtree delegated to {frank.name}" in first, done.stderr
        assert f"sudo minidocker rootless delegate {frank.name}" in first and "OCI runtime" not in done.stderr
    assert frank.md("ps", "-aq").stdout.strip() == ""  # nothing created


def test_no_file_root_kept_in_their_subtree_is_writable(carol):
    """Every file of her directory but the ones that move processes stays root's and unwritable to her:
    the caps, the OOM control, notify_on_release, cgroup.clone_children, v2's cgroup.max.*, cgroup.kill..."""
    tried = []
    for d in _dirs(carol.name):
        owned = delegation.V2_OWNED if cg.is_unified() else delegation.V1_OWNED
        tried += [f"{d}/{name}" for name in os.listdir(d)
                  if os.path.isfile(f"{d}/{name}") and name not in owned and os.stat(f"{d}/{name}").st_mode & 0o200]
    assert len(tried) > 10
    script = "for f in \"$@\"; do (echo 0 > \"$f\") 2>/dev/null && echo \"WROTE $f\"; done; true"
    done = carol.run("sh", "-c", script, "sh", *tried)
    assert "WROTE" not in done.stdout, done.stdout
    for d in _dirs(carol.name):  # nor can she remove her own subtree's root (its parent is root's)
        assert carol.run("rmdir", d, check=False).returncode != 0 and os.path.isdir(d)


def test_delegate_command(learners):  # noqa: F811
    """`sudo minidocker rootless delegate USER`: root only, one line for bad input, the caps given, undelegate."""
    import subprocess
    import sys
    from pathlib import Path

    cli = str(Path(sys.executable).parent / "minidocker")
    gina = learners()
    refused = gina.md("rootless", "delegate", gina.name, check=False)
    assert refused.returncode == 1 and "needs root" in refused.stderr and not any(os.path.exists(d) for d in _dirs(gina.name))
    for argv in (["no-such-user-here"], [gina.name, "--memory", "lots"]):
        bad = subprocess.run([cli, "rootless", "delegate", *argv], capture_output=True, text=True)
        assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    done = subprocess.run([cli, "rootless", "delegate", gina.name, "--memory", "100m", "--pids", "77"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with open(_memory_file(gina.name)) as f:
        assert int(f.read()) == 100 << 20
    pids = [d for d in _dirs(gina.name) if "/pids/" in d or cg.is_unified()][0]
    with open(pids + "/pids.max") as f:
        assert f.read().strip() == "77"
    gina.md("daemon", "start")
    assert gina.md("run", "--rm", "--memory", "16m", "busybox", "true").returncode == 0
    done = subprocess.run([cli, "rootless", "undelegate", gina.name], capture_output=True, text=True)
    assert done.returncode == 0 and not any(os.path.exists(d) for d in _dirs(gina.name)), done.stderr
    gina.md("daemon", "start")  # the engine it killed comes back (without limits now)
    refused = gina.md("run", "--rm", "--memory", "16m", "busybox", "true", check=False)
    assert refused.returncode == 125 and "needs a cgroup subtree delegated" in refused.stderr
