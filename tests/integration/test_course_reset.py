"""`python -m minidocker.course reset` leaves nothing of an engine root: processes, mounts, cgroups, the directory."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from minidocker import course, course_owners

pytestmark = pytest.mark.root


def _links() -> str:
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout


def test_reset_stops_and_removes_a_running_engine(tmp_path):
    under = tmp_path / "course"
    root = under / "chxx"
    root.mkdir(parents=True)
    env = dict(os.environ, MINIDOCKER_ROOT=str(root))
    cli = [sys.executable, "-m", "minidocker.client.cli"]
    try:
        assert subprocess.run(cli + ["daemon", "start"], env=env, capture_output=True, timeout=120).returncode == 0
        run = subprocess.run(cli + ["run", "-d", "--name", "left-running", "busybox", "sleep", "600"], env=env,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        instance = course._instance(root.resolve())
        found = course_owners.owned(root.resolve(), instance)
        pid = subprocess.run(cli + ["inspect", "-f", "{{.State.Pid}}", "left-running"], env=env, capture_output=True,
                             text=True, timeout=60).stdout.strip()
        daemons = [int((root / "run" / f"{d}.pid").read_text()) for d in ("minidockerd", "minicontainerd")]
        assert {int(pid), *daemons} <= set(found), found
        tag = instance.split("-", 1)[1]
        assert tag in _links()  # the engine's bridge
        assert course.engine_roots(under) == [root]
    finally:
        out = subprocess.run([sys.executable, "-m", "minidocker.course", "reset", str(under)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and f"reset {root.resolve()}" in out.stdout
    assert not course_owners.owned(root.resolve(), instance)
    assert tag not in _links()
    assert not root.exists()
    assert not any(line.split()[4].startswith(str(root)) for line in Path("/proc/self/mountinfo").read_text().splitlines())
    assert not any((Path("/sys/fs/cgroup") / c / instance).exists() for c in ("memory", "pids", "cpu", "unified"))


def test_a_bare_chapter_name_is_an_engine_under_the_course_root(monkeypatch, tmp_path):
    from minidocker import teach

    monkeypatch.setenv(course.ENV_COURSE_ROOT, str(tmp_path / "c"))
    monkeypatch.setattr(teach, "ping", lambda sock, timeout=1.0: True)  # only the path is under test here
    assert teach.engine("ch42").root == tmp_path / "c" / "ch42"


def test_usage_errors_exit_2():
    out = subprocess.run([sys.executable, "-m", "minidocker.course", "wipe"], capture_output=True, text=True)
    assert out.returncode == 2 and "usage" in out.stderr
