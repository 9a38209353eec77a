"""The process tree of a running container, and live restore: containers outlive SIGKILLed daemons."""

from __future__ import annotations

import json
import os
import time

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine

pytestmark = pytest.mark.root


def _comm(pid: int) -> str:
    with open(f"/proc/{pid}/comm") as f:
        return f.read().strip()


def _ppid(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def _poll(fn, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _inspect(engine, ref: str) -> dict:
    return json.loads(engine.docker("inspect", ref, check=True).stdout)[0]


def test_process_tree_of_a_detached_container(engine):
    cid = engine.docker("run", "-d", "busybox", "sleep", "1000", check=True).stdout.strip()
    try:
        pid = _inspect(engine, cid)["State"]["Pid"]
        shim = _ppid(pid)
        assert _comm(engine.dockerd.pid) == "minidockerd"
        assert _comm(engine.containerd.pid) == "minicontainerd"
        assert _comm(shim) == "minidocker-shim"
        assert _ppid(shim) != engine.containerd.pid  # the shim was detached from containerd
        assert _comm(pid) == "sleep"
        # minirunc exits once the container is created: none of this engine's is left.
        runtimes = [p for p in os.listdir("/proc") if p.isdigit() and _safe_comm(int(p)) == "minirunc"
                    and str(engine.root) in _cmdline(int(p))]
        assert runtimes == []
    finally:
        engine.docker("rm", "-f", cid, check=True)


def _safe_comm(pid: int) -> str:
    try:
        return _comm(pid)
    except OSError:
        return ""


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def test_containers_survive_sigkilled_daemons_and_exits_are_reported(engine):
    live = engine.docker("run", "-d", "--name", "live", "busybox", "sh", "-c", "echo before; exec sleep 1000",
                         check=True).stdout.strip()
    dies = engine.docker("run", "-d", "--name", "dies", "busybox", "sh", "-c",
                         "while [ ! -f /tmp/go ]; do sleep 0.05; done; echo bye; exit 4", check=True).stdout.strip()
    live_pid = _inspect(engine, live)["State"]["Pid"]
    dies_pid = _inspect(engine, dies)["State"]["Pid"]

    engine.stop_daemons(kill=True)
    # While both daemons are down: one container keeps running, the other exits with status 4.
    with open(f"/proc/{dies_pid}/root/tmp/go", "w"):
        pass
    _poll(lambda: not _alive(dies_pid), what="the container to exit while the daemons are down")
    assert _alive(live_pid)

    engine.start()
    data = _inspect(engine, live)
    assert data["State"]["Running"] is True and data["State"]["Pid"] == live_pid
    data = _inspect(engine, dies)
    assert data["State"]["Status"] == "exited" and data["State"]["ExitCode"] == 4
    assert engine.docker("wait", dies, check=True).stdout.strip() == "4"
    assert engine.docker("logs", dies, check=True).stdout == "bye\n"
    ps = engine.docker("ps", "--format", "{{.Names}}", check=True).stdout.split()
    assert ps == ["live"]
    assert engine.docker("logs", "live", check=True).stdout == "before\n"
    res = engine.docker("exec", "live", "sh", "-c", "echo still here; exit 2")
    assert (res.returncode, res.stdout) == (2, "still here\n")
    engine.docker("stop", "-t", "1", "live", check=True)
    assert not _alive(live_pid)
    assert _inspect(engine, live)["State"]["ExitCode"] == 137
    engine.docker("rm", "live", "dies", check=True)


def test_sigterm_leaves_containers_running(engine):
    cid = engine.docker("run", "-d", "busybox", "sleep", "1000", check=True).stdout.strip()
    pid = _inspect(engine, cid)["State"]["Pid"]
    engine.stop_daemons(kill=False)
    assert _alive(pid)
    engine.start()
    assert _inspect(engine, cid)["State"]["Running"] is True
    engine.docker("rm", "-f", cid, check=True)
    assert not _alive(pid)


def test_dockerd_rides_out_a_containerd_restart(engine):
    cid = engine.docker("run", "-d", "busybox", "sh", "-c", "while [ ! -f /tmp/go ]; do sleep 0.05; done; exit 6",
                        check=True).stdout.strip()
    pid = _inspect(engine, cid)["State"]["Pid"]
    engine.kill_containerd()
    assert cid[:12] in engine.docker("ps", check=True).stdout  # dockerd answers from its own records
    with open(f"/proc/{pid}/root/tmp/go", "w"):
        pass
    _poll(lambda: not _alive(pid), what="the container to exit while containerd is down")
    engine.start_containerd()
    assert engine.docker("wait", cid, check=True, timeout=30).stdout.strip() == "6"
    assert _inspect(engine, cid)["State"]["Status"] == "exited"
    engine.docker("rm", cid, check=True)
