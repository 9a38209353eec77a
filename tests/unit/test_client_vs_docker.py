"""The minidocker CLI prints what the real docker CLI prints, given the same daemon answers.

Both CLIs talk to the same in-test fake engine serving the captured Docker responses; their output
and exit codes are compared, with "minidocker" read as "docker". Skipped where docker is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from client_fake_engine import FakeEngine, Reply, install_samples, sample

DOCKER = shutil.which("docker")
pytestmark = pytest.mark.skipif(DOCKER is None, reason="the real docker CLI is not installed")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    eng = FakeEngine(tmp_path_factory.mktemp("fake") / "api.sock").start()
    install_samples(eng)
    # Creation times well inside an "N hours ago" bucket, so the two CLIs never straddle a boundary.
    created = int(time.time()) - 5 * 3600
    ps = sample("ps-running-1")
    ps[0]["Created"] = created
    images = sample("images-1")
    images[0]["Created"] = created
    history = sample("history-1")
    history[0]["Created"] = created
    df = sample("system-df-1")
    df["Images"][0]["Created"] = created
    eng.route("GET", r"/containers/json", Reply(body=ps))
    eng.route("GET", r"/images/json", Reply(body=images))
    eng.route("GET", r"/images/.+/history", Reply(body=history))
    eng.route("GET", r"/system/df", Reply(body=df))
    eng.route("GET", r"/volumes", Reply(body={"Volumes": [
        {"CreatedAt": "2026-11-28T04:47:02Z", "Driver": "local", "Labels": None, "Mountpoint": "/v/b/_data",
         "Name": "bvol", "Options": None, "Scope": "local"},
        {"CreatedAt": "2026-11-28T04:47:02Z", "Driver": "local", "Labels": None, "Mountpoint": "/v/a/_data",
         "Name": "a-longer-volume-name", "Options": None, "Scope": "local"}], "Warnings": None}))
    for path in ("/containers/nosuch/json", "/images/nosuch/json", "/networks/nosuch", "/volumes/nosuch",
                 "/plugins/nosuch/json", "/containers/nosuch"):
        eng.route("GET" if path != "/containers/nosuch" else "DELETE", path,
                  Reply(404, {"message": "No such container: nosuch" if "containers" in path else "not found"}))
    yield eng
    eng.stop()


def _run(argv: list[str], env: dict[str, str]) -> tuple[str, int]:
    out = subprocess.run(argv, capture_output=True, env=env, stdin=subprocess.DEVNULL, timeout=60)
    return out.stdout.decode() + "\n--stderr--\n" + out.stderr.decode(), out.returncode


@pytest.mark.parametrize("command", [
    "ps", "ps -a --no-trunc", "ps -q", "images", "images -q", "images --no-trunc", "system df", "system df -v",
    "volume ls", "volume ls -q", "top c1", "history busybox", "history --no-trunc busybox", "inspect web",
    "image inspect busybox", "container inspect web", "inspect nosuch", "rm nosuch", "run --nosuchflag busybox",
    "logs", "exec web", "tag onlyone", "ps extra-argument",
    "ps --format {{.Names}}|{{.Ports}}|{{.Status}}|{{.Command}}", "ps --format table{{.ID}}\\t{{.Names}}\\t{{.RunningFor}}",
    "ps --format table", "images --format {{.Repository}}:{{.Tag}}", "images --format table{{.ID}}\\t{{.Size}}",
    "volume ls --format {{.Name}}", "volume ls --format table{{.Name}}\\t{{.Driver}}",
])
def test_same_output_and_exit_code_as_docker(engine: FakeEngine, tmp_path: Path, command: str) -> None:
    env = dict(os.environ, DOCKER_CONFIG=str(tmp_path), HOME=str(tmp_path))
    env.pop("DOCKER_HOST", None)
    host = f"unix://{engine.sock_path}"
    theirs = _run([DOCKER, "-H", host, *command.split()], env)
    ours = _run([sys.executable, "-m", "minidocker.client.cli", "-H", host, *command.split()], env)
    assert (ours[0].replace("minidocker", "docker"), ours[1]) == theirs
