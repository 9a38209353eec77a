"""`minirunc start` waits for the init's byte on the exec fifo without a polling timer: it wakes when the byte
comes, or when the init dies first (its pidfd), and then says so at once instead of waiting out its deadline."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from runc_fixture import bundle, command, configure, runtimes  # noqa: F401 - fixtures

pytestmark = pytest.mark.root


def _has_open(pid: int, name: str) -> bool:
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}").endswith(name) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


SYS_POLL = 7  # x86_64


def _blocked_in(pid: int) -> int | None:
    """The system call a sleeping process is blocked in (/proc/PID/syscall), None while it runs."""
    with open(f"/proc/{pid}/stat") as f:
        if f.read().rsplit(")", 1)[1].split()[0] != "S":
            return None
    with open(f"/proc/{pid}/syscall") as f:
        first = f.read().split()[0]
    return int(first) if first.lstrip("-").isdigit() else None


def test_start_says_at_once_that_the_init_died_while_it_waited(runtimes, bundle: Path) -> None:
    configure(bundle, args=["true"])
    cid = runtimes.new_id("start")
    assert runtimes("minirunc", "create", "--bundle", str(bundle), cid).returncode == 0
    init = runtimes.state("minirunc", cid)["pid"]
    os.kill(init, signal.SIGSTOP)  # it cannot write its byte now: start must wait
    argv = [*command("minirunc"), "--root", str(runtimes.roots["minirunc"]), "start", cid]
    start = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while start.poll() is None and not _has_open(start.pid, "exec.fifo"):
            pass  # until start holds the fifo's read end and waits on it
        assert start.poll() is None, start.communicate()
        blocked = None
        while blocked is None and start.poll() is None:
            blocked = _blocked_in(start.pid)
        assert blocked == SYS_POLL  # asleep in poll(2) on the fifo and the init's pidfd, not on a timer
        os.kill(init, signal.SIGKILL)
        _, err = start.communicate(timeout=5)  # well inside start's own 10 s deadline
    finally:
        if start.poll() is None:
            start.kill()
            start.wait()
    assert start.returncode != 0
    assert "init exited before start" in err, err  # the pidfd woke it, not "did not answer" after 10 s
    assert runtimes.state("minirunc", cid)["status"] == "stopped"


def test_start_releases_an_init_that_writes_late(runtimes, bundle: Path) -> None:
    """The byte arriving while start waits (the init resumed only then) is what wakes it: start succeeds."""
    configure(bundle, args=["true"])
    cid = runtimes.new_id("start")
    assert runtimes("minirunc", "create", "--bundle", str(bundle), cid).returncode == 0
    init = runtimes.state("minirunc", cid)["pid"]
    os.kill(init, signal.SIGSTOP)
    argv = [*command("minirunc"), "--root", str(runtimes.roots["minirunc"]), "start", cid]
    start = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while start.poll() is None and not _has_open(start.pid, "exec.fifo"):
            pass
        os.kill(init, signal.SIGCONT)
        _, err = start.communicate(timeout=5)
    finally:
        if start.poll() is None:
            start.kill()
            start.wait()
    assert start.returncode == 0, err
