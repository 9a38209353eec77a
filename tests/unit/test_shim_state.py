"""The shim's process state machine: allowed and refused transitions, waiting for an exit."""

from __future__ import annotations

import threading

import pytest

from minidocker.errors import Conflict
from minidocker.shim.state import TRANSITIONS, ProcessState, Status


def test_normal_lifecycle_reaches_deleted():
    p = ProcessState()
    p.transition(Status.RUNNING)
    p.exited(3)
    assert (p.status, p.exit_status) == (Status.STOPPED, 3)
    p.transition(Status.DELETED)
    assert p.status is Status.DELETED


@pytest.mark.parametrize("start,target", [(Status.RUNNING, Status.CREATED), (Status.STOPPED, Status.RUNNING),
                                          (Status.RUNNING, Status.DELETED), (Status.DELETED, Status.RUNNING)])
def test_refused_transitions_raise_conflict(start, target):
    p = ProcessState("e1")
    p.status = start
    with pytest.raises(Conflict, match="exec e1"):
        p.transition(target)
    assert p.status is start


def test_every_status_has_a_row():
    assert set(TRANSITIONS) == set(Status)
    assert TRANSITIONS[Status.DELETED] == frozenset()


def test_first_exit_wins():
    p = ProcessState()
    p.transition(Status.RUNNING)
    p.exited(137, oom_killed=True, at_ns=5)
    p.exited(0)
    assert p.exit_info() == {"exit_status": 137, "exited_at_ns": 5, "oom_killed": True}


def test_many_waiters_all_wake_on_exit():
    p = ProcessState()
    p.transition(Status.RUNNING)
    results: list[int] = []
    waiters = [threading.Thread(target=lambda: p.wait_stopped() and results.append(p.exit_status)) for _ in range(8)]
    for t in waiters:
        t.start()
    assert not p.wait_stopped(timeout=0.01)
    p.exited(9)
    for t in waiters:
        t.join(5)
    assert results == [9] * 8
