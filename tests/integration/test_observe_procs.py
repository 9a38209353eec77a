"""observe.procs reads the real NSpid, namespace inodes and cgroup of a process in a new pid namespace."""

from __future__ import annotations

import os
import subprocess
import time

import psutil
import pytest

from minidocker.observe import procs

pytestmark = pytest.mark.root


@pytest.fixture
def pid_ns_sleeper():
    """`sleep` as PID 1 of a fresh pid + mount namespace (unshare from util-linux), killed afterwards."""
    outer = subprocess.Popen(["unshare", "--pid", "--mount", "--fork", "--mount-proc", "sleep", "60"])
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            kids = psutil.Process(outer.pid).children()
            if kids and kids[0].name() == "sleep":
                yield kids[0].pid
                break
            time.sleep(0.01)
        else:
            pytest.fail("unshare did not start sleep")
    finally:
        outer.kill()
        outer.wait(10)


def test_nspid_shows_host_and_inner_pid(pid_ns_sleeper):
    p = procs.read(pid_ns_sleeper)
    assert p.name == "sleep"
    assert p.nspid == [pid_ns_sleeper, 1]
    assert p.inner_pid == 1 and p.pid == pid_ns_sleeper


def test_namespace_inodes_match_the_kernel_links(pid_ns_sleeper):
    mine = procs.namespaces("self")
    theirs = procs.namespaces(pid_ns_sleeper)
    for kind, inode in theirs.items():
        assert os.stat(f"/proc/{pid_ns_sleeper}/ns/{kind}").st_ino == inode
    assert theirs["pid"] != mine["pid"] and theirs["mnt"] != mine["mnt"]
    assert theirs["net"] == mine["net"] and theirs["uts"] == mine["uts"]


def test_cgroup_is_read_from_proc(pid_ns_sleeper):
    p = procs.read(pid_ns_sleeper)
    assert p.cgroup == procs.cgroups(pid_ns_sleeper)
    raw = open(f"/proc/{pid_ns_sleeper}/cgroup").read()
    assert p.cgroup_path() in raw


def test_a_gone_process_raises(pid_ns_sleeper):
    dead = subprocess.Popen(["true"])
    dead.wait()
    with pytest.raises(ProcessLookupError):
        procs.read(dead.pid)
