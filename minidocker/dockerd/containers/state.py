"""A container's State and its explicit state machine (cf. moby container/state.go).

The statuses are Docker's words, as `docker ps` and inspect show them. Every change goes through
`State.set_status`, which refuses transitions the table does not list, and wakes waiters
(`docker wait`'s conditions next-exit / not-running / removed) through one Condition.
"""

from __future__ import annotations

import threading
import time
from enum import Enum
from typing import Any

from ...errors import Conflict

ZERO_TIME = "0001-01-01T00:00:00Z"


class Status(str, Enum):
    CREATED = "created"
    RUNNING = "running"
    PAUSED = "paused"
    RESTARTING = "restarting"
    REMOVING = "removing"
    EXITED = "exited"
    DEAD = "dead"


TRANSITIONS: dict[Status, set[Status]] = {
    Status.CREATED: {Status.RUNNING, Status.REMOVING, Status.EXITED},
    Status.RUNNING: {Status.EXITED, Status.PAUSED, Status.RESTARTING, Status.DEAD},
    Status.PAUSED: {Status.RUNNING, Status.EXITED, Status.RESTARTING},
    Status.RESTARTING: {Status.RUNNING, Status.EXITED},
    Status.EXITED: {Status.RUNNING, Status.REMOVING, Status.EXITED},
    Status.REMOVING: {Status.DEAD, Status.EXITED, Status.CREATED},
    Status.DEAD: {Status.REMOVING},
}


def now_rfc3339(ns: int | None = None) -> str:
    """A time as Go's RFC3339Nano in UTC (nine fraction digits, Z), as Docker writes every timestamp."""
    ns = time.time_ns() if ns is None else ns
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 1_000_000_000)) + f".{ns % 1_000_000_000:09d}Z"


def parse_rfc3339(value: str) -> float:
    """Seconds since the epoch of an RFC3339(Nano) UTC time; 0 for Go's zero time."""
    if not value or value.startswith("0001-"):
        return 0.0
    import calendar

    head, _, frac = value.rstrip("Z").partition(".")
    secs = calendar.timegm(time.strptime(head, "%Y-%m-%dT%H:%M:%S"))
    return secs + (float("0." + frac) if frac else 0.0)


class State:
    """Status, pid, exit code and times, plus the Condition that `wait` blocks on."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        data = data or {}
        self.status = Status(data.get("Status", "created"))
        self.pid = int(data.get("Pid", 0))
        self.exit_code = int(data.get("ExitCode", 0))
        self.error = data.get("Error", "")
        self.oom_killed = bool(data.get("OOMKilled", False))
        self.started_at = data.get("StartedAt", ZERO_TIME)
        self.finished_at = data.get("FinishedAt", ZERO_TIME)
        self.health: dict[str, Any] | None = data.get("Health")  # {Status, FailingStreak, Log}: dockerd/health.py
        self.exits = 0  # exits seen by this daemon, so next-exit waiters can tell a new one
        self.removed = False
        self.cond = threading.Condition()

    def set_status(self, new: Status) -> None:
        """Move along the transition table (caller holds self.cond)."""
        if new is not self.status and new not in TRANSITIONS[self.status]:
            raise Conflict(f"cannot go from {self.status.value} to {new.value}")
        self.status = new
        self.cond.notify_all()

    @property
    def running(self) -> bool:
        return self.status in (Status.RUNNING, Status.PAUSED, Status.RESTARTING)

    def to_json(self) -> dict[str, Any]:
        return {
            "Status": self.status.value,
            "Running": self.running,  # a restarting container counts as running, as in moby's State
            "Paused": self.status is Status.PAUSED,
            "Restarting": self.status is Status.RESTARTING,
            "OOMKilled": self.oom_killed,
            "Dead": self.status is Status.DEAD,
            "Pid": self.pid if self.running else 0,
            "ExitCode": self.exit_code,
            "Error": self.error,
            "StartedAt": self.started_at,
            "FinishedAt": self.finished_at,
            **({"Health": self.health} if self.health is not None else {}),
        }
