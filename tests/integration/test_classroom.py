"""`./run-classroom --learners 3` (issue 15 point 4): three accounts with their passwords, JupyterHub spawns
each learner's server as that learner with their own rootless engine, and the three work at once without
seeing or reaching each other's containers, images, sockets or files."""

from __future__ import annotations

import concurrent.futures
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from rootless_fixture import Learner, remove_user

pytestmark = pytest.mark.root
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _login_and_wait(base: str, name: str, password: str) -> float:
    """Log in through the hub's form, as a browser does; seconds until the learner's server answers them."""
    import requests

    began = time.monotonic()
    s = requests.Session()
    s.get(f"{base}/hub/login", timeout=30)
    s.post(f"{base}/hub/login?next=", data={"username": name, "password": password, "_xsrf": s.cookies.get("_xsrf")},
           timeout=60)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        s.get(f"{base}/user/{name}/lab", timeout=30)  # the OAuth round to the learner's own server
        if s.get(f"{base}/user/{name}/api/status", timeout=30).status_code == 200:
            return time.monotonic() - began
        time.sleep(0.5)
    raise AssertionError(f"{name}'s server did not answer within 180 s")


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    if os.geteuid() != 0 or shutil.which("useradd") is None or shutil.which("npm") is None:
        pytest.skip("needs root, useradd and npm (configurable-http-proxy)")
    prefix = "mdc" + secrets.token_hex(3)
    state = tmp_path_factory.mktemp("classroom")
    port = _free_port()
    cmd = [str(REPO / "run-classroom"), "--learners", "3", "--prefix", prefix, "--port", str(port), "--state", str(state)]
    began = time.monotonic()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stdout + out.stderr
        accounts = dict(re.findall(rf"^({prefix}\d\d)\s+(\S+)$", out.stdout, re.M))
        assert sorted(accounts) == [f"{prefix}01", f"{prefix}02", f"{prefix}03"], out.stdout
        yield {"base": f"http://127.0.0.1:{port}", "accounts": accounts, "began": began, "stdout": out.stdout}
    finally:
        subprocess.run([*cmd[:1], "remove", *cmd[1:]], capture_output=True, timeout=300)
        from minidocker.rootless import cgroups as delegation

        left = [p + delegation.relative(f"{prefix}{i:02d}") for p in delegation.mounts().values() for i in (1, 2, 3)]
        left = [p for p in left if os.path.exists(p)]  # `remove` takes the learners' cgroup subtrees too
        for i in (1, 2, 3):
            try:
                remove_user(Learner(f"{prefix}{i:02d}"))
            except KeyError:
                pass
        assert not left, left


def test_three_learners_at_once(classroom):
    accounts = classroom["accounts"]
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        waits = list(pool.map(lambda kv: _login_and_wait(classroom["base"], *kv), accounts.items()))
    print(f"\nrun-classroom to three learners' servers answering: {time.monotonic() - classroom['began']:.1f} s "
          f"(login to ready: {', '.join(f'{w:.1f}' for w in waits)} s)")
    learners = [Learner(name) for name in accounts]
    for learner in learners:  # the hub's spawn started each learner's own engine
        sock = os.lstat(learner.run_dir / "minidocker.sock")
        assert sock.st_uid == learner.uid
        assert learner.md("daemon", "status").returncode == 0
        assert (learner.home / "course" / "notebooks").is_dir()

    for learner in learners:  # the spawner started each server in the learner's subtree; the engine moved itself in
        from minidocker.rootless import cgroups as delegation
        from minidocker.runc import cgroups as cg

        pid = int((learner.run_dir / "minidockerd.pid").read_text())
        key = "" if cg.is_unified() else "memory"
        assert cg.own_cgroups(str(pid))[key] == f"{delegation.relative(learner.name)}/{delegation.ENGINE}"

    def work(learner: Learner) -> str:
        learner.md("tag", "busybox", f"only-{learner.name}")
        learner.md("run", "-d", "--name", f"box-{learner.name}", "--memory", "32m", "--pids-limit", "20", "busybox", "sleep", "300")
        return learner.md("run", "--rm", "busybox", "echo", f"hello {learner.name}").stdout.strip()

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        said = list(pool.map(work, learners))
    assert said == [f"hello {learner.name}" for learner in learners]

    for learner in learners:
        others = [o for o in learners if o is not learner]
        ps = learner.md("ps", "-a", "--format", "{{.Names}}").stdout.split()
        images = learner.md("images", "--format", "{{.Repository}}").stdout.split()
        assert ps == [f"box-{learner.name}"], ps
        assert f"only-{learner.name}" in images and not any(f"only-{o.name}" in images for o in others)
        for other in others:
            probe = learner.py(
                "import os, socket\n"
                "out = []\n"
                f"for path in ({str(other.run_dir / 'minidocker.sock')!r}, {str(other.run_dir / 'containerd.sock')!r}):\n"
                "    s = socket.socket(socket.AF_UNIX)\n"
                "    try:\n"
                "        s.connect(path); out.append('open')\n"
                "    except OSError as e: out.append(type(e).__name__)\n"
                f"for path in ({str(other.home)!r}, {str(other.state_dir)!r}):\n"
                "    try:\n"
                "        os.listdir(path); out.append('open')\n"
                "    except OSError as e: out.append(type(e).__name__)\n"
                "print(' '.join(out))\n").stdout.split()
            assert probe == ["PermissionError"] * 4, (learner.name, other.name, probe)
