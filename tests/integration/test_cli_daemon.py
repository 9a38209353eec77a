"""`minidocker daemon start|stop|status`: background daemons without systemd, idempotent start, live restore across a stop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine_fixture import Engine

pytestmark = pytest.mark.root


@pytest.fixture
def root(tmp_path: Path):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    path = tmp_path / "mdroot"
    path.mkdir()
    yield path
    Engine(path).teardown()  # kills whatever the test left running under this root, unmounts, removes


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, MINIDOCKER_ROOT=str(root))
    env.pop("MINIDOCKER_HOST", None)
    return subprocess.run([sys.executable, "-m", "minidocker.client.cli", *args], env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=120)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def test_start_status_stop_and_containers_survive(root: Path) -> None:
    down = _cli(root, "daemon", "status")
    assert down.returncode == 1 and "minidockerd: not running" in down.stdout

    up = _cli(root, "daemon", "start")
    assert up.returncode == 0, up.stdout + up.stderr
    assert (root / "lib" / "minidockerd.log").exists() and (root / "run" / "minicontainerd.pid").exists()
    status = _cli(root, "daemon", "status")
    assert status.returncode == 0 and status.stdout.count("running (pid") == 2
    assert str(root / "run" / "minidocker.sock") in status.stdout
    pids = {line.split(":")[0]: int(line.split("pid ")[1].split(")")[0]) for line in status.stdout.splitlines()}

    again = _cli(root, "daemon", "start")  # idempotent: nothing new started
    assert again.returncode == 0 and again.stdout.count("already running") == 2
    assert _cli(root, "daemon", "status").stdout == status.stdout

    cid = _cli(root, "run", "-d", "busybox", "sleep", "300").stdout.strip()
    pid = int(_cli(root, "inspect", "-f", "{{.State.Pid}}", cid).stdout)
    assert _alive(pid)

    stopped = _cli(root, "daemon", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not _alive(pids["minidockerd"]) and not _alive(pids["minicontainerd"])
    assert _alive(pid), "stopping the daemons must leave containers running"
    assert _cli(root, "daemon", "status").returncode == 1
    assert "Is the minidocker daemon running?" in _cli(root, "ps").stderr

    assert _cli(root, "daemon", "start").returncode == 0
    ps = _cli(root, "ps", "-q", "--no-trunc")
    assert cid in ps.stdout.split(), ps.stderr
    assert _cli(root, "rm", "-f", cid).returncode == 0
    assert _cli(root, "daemon", "stop").returncode == 0
