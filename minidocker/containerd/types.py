"""Plain values that cross the containerd API: stdio, exit statuses, task states (cf. containerd api/types/task)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class IO:
    """A process's stdio as FIFO paths made by dockerd ("" = none; stdin none means /dev/null)."""

    stdin: str = ""
    stdout: str = ""
    stderr: str = ""
    terminal: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ExitStatus:
    exit_status: int = 0
    exited_at_ns: int = 0
    oom_killed: bool = False


@dataclass
class TaskState:
    """A task (exec_id "") or an exec process, as the shim reports it."""

    container_id: str
    exec_id: str = ""
    status: str = ""  # "created", "running", "stopped", "deleted"
    pid: int = 0
    exit_status: int = 0
    exited_at_ns: int = 0
    oom_killed: bool = False
    shim_socket: str = ""
    shim_pid: int = 0
