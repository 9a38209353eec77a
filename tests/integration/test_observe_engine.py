"""observe against the real engine: roles, NSpid, cgroups of a container; teach.engine() starting an engine at a root."""

from __future__ import annotations

import pytest

from engine_fixture import Engine as FixtureEngine, engine  # noqa: F401 - the module-scoped engine fixture
from minidocker import teach
from minidocker.observe import procs, tree, widgets

pytestmark = pytest.mark.root


@pytest.fixture
def running(engine):  # noqa: F811
    """A container named for this test, running `sleep`; removed afterwards."""
    name = "observe-sleeper"
    out = engine.cli("run", "-d", "--name", name, "busybox", "sleep", "300")
    assert out.returncode == 0, out.stderr
    try:
        pid = int(engine.cli("inspect", "--format", "{{.State.Pid}}", name).stdout.strip())
        cid = engine.cli("inspect", "--format", "{{.Id}}", name).stdout.strip()
        yield pid, cid
    finally:
        engine.cli("rm", "-f", name)


def test_snapshot_labels_every_role(engine, running):  # noqa: F811
    pid, cid = running
    snap = tree.snapshot(engine.root)
    assert {"dockerd", "containerd", "shim", "container"} <= snap.roles()
    ctr = snap.procs[pid]
    assert ctr.role == "container" and ctr.name == "sleep"
    assert ctr.nspid[0] == pid and ctr.inner_pid == 1
    shim = snap.procs[ctr.ppid]
    # its command line names the container, or (a spare shim started ahead) its bundle's shim.json does
    assert shim.role == "shim" and (cid in " ".join(shim.cmdline) or snap.shim_of.get(shim.pid) == cid)
    assert ("shim", "container") in snap.role_edges() and ("dockerd", "containerd") in snap.role_edges()
    # The container is in its own pid and mount namespaces; the daemons are in the host's.
    dockerd = snap.by_role("dockerd")[0]
    assert ctr.ns["pid"] != dockerd.ns["pid"] and ctr.ns["mnt"] != dockerd.ns["mnt"]
    assert cid[:12] in ctr.cgroup_path()


def test_snapshots_keep_engines_apart(engine, running):  # noqa: F811
    pid, _ = running
    assert pid not in tree.snapshot(None).procs  # the system engine's view has not got it
    assert pid in tree.snapshot(engine.root).for_containers([running[1]]).procs


def test_explorer_rows(engine, running):  # noqa: F811
    pid, _ = running
    rows = dict(widgets.container_rows(pid))
    assert rows["host PID / in-container PID"] == f"{pid} / 1"
    assert rows["pid namespace"].endswith("(own)") and rows["user namespace"].endswith("(shared with host)")


def test_teach_engine_starts_an_engine_at_a_root(tmp_path):
    root = tmp_path / "teachroot"
    cleanup = FixtureEngine(root)
    try:
        eng = teach.engine(root)
        assert teach.ping(eng.socket) and eng.socket == root / "run" / "minidocker.sock"
        assert "busybox" in eng("images")
        assert eng("run", "--rm", "busybox", "echo", "hi").strip() == "hi"
        assert teach.engine(root).socket == eng.socket  # already up: found, not started again
        eng.stop()
        assert not teach.ping(eng.socket)
    finally:
        cleanup.teardown()
