"""The lifecycle of a process the shim holds: an explicit state machine (cf. containerd pkg/process/*_state.go).

    created --start--> running --exit--> stopped --delete--> deleted
       |                  | ^  \                 ^
       |            pause | | resume  +--exit---+ (paused: killed, then thawed)
       |                  v |        /
       |                  paused ---+
       +----------exit (killed)-------------+      created --delete--> deleted

The init process and every exec process each have one. Transitions not in the table are refused
with Conflict, so that "start a stopped task" or "delete a running one" get a clear error.
"""

from __future__ import annotations

import enum
import threading
import time

from ..errors import Conflict


class Status(enum.Enum):
    CREATED = "created"
    RUNNING = "running"
    PAUSED = "paused"  # the init's cgroup is frozen (runc pause); only the init has this state
    STOPPED = "stopped"
    DELETED = "deleted"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.CREATED: frozenset({Status.RUNNING, Status.STOPPED, Status.DELETED}),
    Status.RUNNING: frozenset({Status.STOPPED, Status.PAUSED}),
    Status.PAUSED: frozenset({Status.RUNNING, Status.STOPPED}),
    Status.STOPPED: frozenset({Status.DELETED}),
    Status.DELETED: frozenset(),
}


class ProcessState:
    """Status, pid and exit status of one process; waiters block on `wait_stopped` until it has exited."""

    def __init__(self, exec_id: str = "") -> None:
        self.exec_id = exec_id
        self.status = Status.CREATED
        self.pid = 0
        self.exit_status = 0
        self.exited_at_ns = 0
        self.oom_killed = False
        self._cond = threading.Condition()

    def transition(self, new: Status) -> None:
        """Move to `new`, or raise Conflict naming both states."""
        with self._cond:
            if new not in TRANSITIONS[self.status]:
                what = f"exec {self.exec_id}" if self.exec_id else "task"
                raise Conflict(f"{what} is {self.status.value}: cannot become {new.value}")
            self.status = new
            self._cond.notify_all()

    def exited(self, exit_status: int, oom_killed: bool = False, at_ns: int | None = None) -> None:
        """Record the exit (once) and wake every waiter."""
        with self._cond:
            if self.status in (Status.STOPPED, Status.DELETED):
                return
            self.exit_status = exit_status
            self.exited_at_ns = at_ns if at_ns is not None else time.time_ns()
            self.oom_killed = oom_killed
            self.transition(Status.STOPPED)

    def wait_stopped(self, timeout: float | None = None) -> bool:
        """Block until the process has exited (or was deleted); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self.status in (Status.STOPPED, Status.DELETED), timeout)

    def exit_info(self) -> dict:
        return {"exit_status": self.exit_status, "exited_at_ns": self.exited_at_ns, "oom_killed": self.oom_killed}

    def as_dict(self) -> dict:
        return {"exec_id": self.exec_id, "status": self.status.value, "pid": self.pid, **self.exit_info()}
