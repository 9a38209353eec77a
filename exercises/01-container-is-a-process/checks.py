"""Checks for exercise 01: a student's container_facts(pid) against what minidocker.observe reads."""

from __future__ import annotations

import os
from typing import Callable

from minidocker import teach
from minidocker.observe import nsdiff, procs

NAME = f"ex01-box-{os.getpid()}"  # one per notebook kernel: student and solution may run at once


def expected(pid: int) -> dict:
    """The reference answer, from minidocker.observe."""
    p = procs.read(pid)
    own = sorted(kind for kind, _h, _c, shared in nsdiff.compare(pid) if not shared)
    return {"host_pid": p.pid, "inner_pid": p.inner_pid, "own_namespaces": own}


def check(container_facts: Callable[[int], dict]) -> str:
    """Run the student's function on this notebook's own process and on a fresh container; raise on a mismatch."""
    me = container_facts(os.getpid())
    assert me == expected(os.getpid()), f"for this notebook's own process expected {expected(os.getpid())}, got {me}"
    eng = teach.engine()
    eng("rm", "-f", NAME, check=False)
    eng("run", "-d", "--name", NAME, "busybox", "sleep", "600")
    try:
        pid = teach.container_pids(eng, [NAME])[NAME]
        got, want = container_facts(pid), expected(pid)
        assert got == want, f"for the container expected {want}, got {got}"
        assert got["inner_pid"] == 1 and "pid" in got["own_namespaces"]
    finally:
        eng("rm", "-f", NAME, check=False)
    return "all checks passed"
