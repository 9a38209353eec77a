"""dockerd's long-running threads (a container's exit watcher, an exec's watcher) survive ENOSPC and EIO:
the failure is logged and the waiters are still told, so `run --rm`, `wait` and `exec` never hang."""

from __future__ import annotations

import errno
import logging

import pytest

from minidocker.dockerd.containers.record import Container
from minidocker.dockerd.containers.state import Status
from minidocker.dockerd.execs import Exec, ExecMixin
from minidocker.dockerd.lifecycle import LifecycleMixin


class Tasks:
    def __init__(self, wait_error: Exception | None = None) -> None:
        self.wait_error = wait_error

    def wait_retrying(self, *ids):
        if self.wait_error:
            raise self.wait_error
        return {"exit_status": 3, "exited_at_ns": 0}

    def forget(self, *a):
        pass

    def forget_exec(self, *a):
        pass


class Daemon(LifecycleMixin, ExecMixin):
    def __init__(self, tasks: Tasks) -> None:
        self.tasks = tasks
        self.events: list[str] = []

    def emit(self, c, action, **extra):
        self.events.append(action)

    def _disconnect_network(self, c):
        pass

    def health_stop(self, c):
        pass


def running_container() -> Container:
    c = Container("c" * 64, "/c", {"Image": "busybox"}, {}, "sha256:" + "b" * 64, "sh", [])
    with c.state.cond:
        c.state.set_status(Status.RUNNING)
    return c


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
def test_the_exit_is_delivered_even_when_the_record_cannot_be_saved(md_root, monkeypatch, caplog, code):
    c = running_container()

    def broken_save():
        raise OSError(code, "cannot write")

    monkeypatch.setattr(c, "save", broken_save)
    d = Daemon(Tasks())
    with caplog.at_level(logging.ERROR):
        d._watcher(c)
    assert c.state.status is Status.EXITED and c.state.exit_code == 3
    assert "die" in d.events  # subscribers (and --rm) still learn of the exit
    assert "cannot save its state" in caplog.text
    assert c.state.error.startswith("cannot save container state")


def test_a_failing_wait_still_ends_the_container(md_root, caplog):
    c = running_container()
    d = Daemon(Tasks(OSError(errno.EIO, "Input/output error")))
    with caplog.at_level(logging.ERROR):
        d._watcher(c)
    assert c.state.status is Status.EXITED and "waiting for the task failed" in c.state.error


def test_an_exec_watcher_sets_done_whatever_fails(md_root, caplog):
    c = running_container()
    ex = Exec("e" * 64, c, {"Cmd": ["true"]}, running=True)
    d = Daemon(Tasks(OSError(errno.EIO, "Input/output error")))
    with caplog.at_level(logging.ERROR):
        d._exec_watcher(ex)
    assert ex.done.is_set() and not ex.running and ex.exit_code == 126
