"""Chapter 05's helpers against a live engine started the way the chapter starts it (`minidocker daemon start`):
the runtime caught mid-create by the gated runtime, the shim's stdio, an exit status kept by the shim while
dockerd and containerd are dead (observe.run_steps, observe.shim_view)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_fixture import Engine
from minidocker import teach
from minidocker.observe import procs, run_steps, shim_view, tree

pytestmark = pytest.mark.root


@pytest.fixture(scope="module")
def eng(tmp_path_factory: pytest.TempPathFactory):
    """A teach.Engine under a private root, started by `minidocker daemon start`; torn down whatever happens."""
    root = Path(tmp_path_factory.mktemp("ch05")) / "mdroot"
    root.mkdir()
    cleaner = Engine(root)  # only its teardown: kills the root's processes, unmounts, removes cgroups and bridge
    try:
        yield teach.engine(root)
    finally:
        cleaner.teardown()


def test_runtime_is_caught_during_create_and_gone_after(eng, tmp_path):
    gate = run_steps.gated_runtime(tmp_path)
    client = run_steps.start_client(eng, "run", "-d", "--runtime", gate.runtime, "--name", "t05-gated",
                                    "busybox", "sleep", "300")
    try:
        during = run_steps.runtime_held(eng.root, timeout=60)
    finally:
        gate.open()
        out, _ = client.communicate(timeout=60)
    assert client.returncode == 0, out
    runtime = during.by_role("runtime")[0]
    assert during.procs[runtime.ppid].role == "shim"
    init = [p for p in during.by_role("container") if p.ppid == runtime.pid]
    assert len(init) == 1 and init[0].inner_pid == 1
    assert "hook" in during.roles() and {"dockerd", "containerd", "client"} <= during.roles()

    pid = teach.container_pids(eng, ["t05-gated"])["t05-gated"]
    assert pid == init[0].pid  # the same process, now running the container's program
    after = tree.snapshot(eng.root).focus([pid])
    assert "runtime" not in after.roles()
    assert procs.read(pid).ppid == run_steps.shim_of(pid)
    eng("rm", "-f", "t05-gated")


def test_shim_holds_the_container_stdio(eng):
    eng("run", "-d", "--name", "t05-io", "busybox", "sh", "-c", "while true; do echo x; sleep 1; done")
    pid = teach.container_pids(eng, ["t05-io"])["t05-io"]
    shim = run_steps.shim_of(pid)
    rows = {r[0]: r for r in shim_view.stdio_rows(pid, shim)}
    assert rows["1 (stdout)"][1] == "pipe" and rows["1 (stdout)"][2].startswith("yes")
    assert rows["2 (stderr)"][2].startswith("yes")
    kinds = {shim_view.kind(t) for t in shim_view.fds(shim).values()}
    assert "json log" in kinds and "FIFO init-stdout" in kinds
    graph = teach.Figure(shim_view.stdio_graph(pid, shim, shim_view.daemon_pids(eng.root)["dockerd"]))
    assert {"container", "shim", "log", "fifo", "dockerd"} <= set(graph.roles())
    eng("rm", "-f", "t05-io")


def test_exit_during_outage_is_kept_by_the_shim_and_reported(eng, tmp_path):
    gate = tmp_path / "gate"
    gate.mkdir()
    cid = eng("run", "-d", "--name", "t05-seven", "-v", f"{gate}:/gate", "busybox",
              "sh", "-c", "until [ -e /gate/go ]; do sleep 0.1; done; exit 7").strip()
    eng("run", "-d", "--name", "t05-alive", "busybox", "sleep", "300")
    pids = teach.container_pids(eng, ["t05-seven", "t05-alive"])
    try:
        killed = shim_view.crash_daemons(eng.root)
        assert set(killed) == {"dockerd", "containerd"}
        assert not any(shim_view.alive(p) for p in killed.values())
        (gate / "go").touch()
        assert shim_view.wait_gone(pids["t05-seven"])
        answer = shim_view.ask_shim(eng.root, cid)
        assert answer["status"] == "stopped" and answer["exit_status"] == 7
        assert shim_view.alive(pids["t05-alive"])
    finally:
        eng("daemon", "start")
    assert eng("wait", "t05-seven").strip() == "7"
    assert shim_view.exit_record(eng.root, cid)["ExitCode"] == 7
    assert eng("inspect", "--format", "{{.State.Status}}", "t05-alive").strip() == "running"
    assert eng("exec", "t05-alive", "echo", "ok").strip() == "ok"
    eng("rm", "-f", "t05-seven", "t05-alive")


def test_json_log_path_and_growth(eng):
    cid = eng("run", "-d", "--name", "t05-tick", "busybox", "sh", "-c", "while true; do echo t; sleep 0.1; done").strip()
    log = shim_view.json_log(eng.root, cid)
    assert log.exists()
    assert shim_view.log_grows(log, seconds=5.0)
    eng("rm", "-f", "t05-tick")


def test_between_create_and_start_the_shim_is_the_parent(eng, tmp_path):
    gate = run_steps.gated_runtime(tmp_path, hold_start=True)
    client = run_steps.start_client(eng, "run", "-d", "--runtime", gate.runtime, "--name", "t05-between",
                                    "busybox", "sleep", "300")
    try:
        during = run_steps.runtime_held(eng.root, timeout=60)
        init = next(p for p in during.by_role("container") if during.procs[p.ppid].role == "runtime")
        gate.open()
        between = run_steps.start_held(eng.root, timeout=60)
        assert eng("inspect", "--format", "{{.State.Status}}", "t05-between").strip() == "created"
    finally:
        gate.open()
        gate.open_start()
        out, _ = client.communicate(timeout=60)
    assert client.returncode == 0, out
    assert init.pid in between.procs and between.procs[init.pid].role == "container"
    assert between.procs[between.procs[init.pid].ppid].role == "shim"
    assert "runtime" not in between.roles() and "gate" in between.roles()
    assert procs.read(init.pid).name == "sleep"
    eng("rm", "-f", "t05-between")
