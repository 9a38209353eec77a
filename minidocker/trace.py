"""Spans of one `docker run` across the engine's processes, on one clock (cf. moby's and containerd's
OpenTelemetry tracing: one span per API request, gRPC method and runtime step; here stdlib only).

    MINIDOCKER_TRACE=/abs/dir minidocker run --rm busybox true

Off unless the environment variable names a directory (absolute: the daemons and the shim chdir). Each
process appends its spans to <dir>/<role>-<pid>.jsonl, one JSON object per line:
{"role", "pid", "name", "start", "end"} in nanoseconds of CLOCK_MONOTONIC, which every process on the
host shares. Daemons started with the variable set pass it to the shims and runtimes they start (they
inherit the environment); observe/timeline.py reads the directory back and draws it. When off, span()
returns one shared do-nothing object: no clock read, no allocation, no file.
"""

from __future__ import annotations

import os
import time

ENV = "MINIDOCKER_TRACE"

_role = ""


def directory() -> str:
    """The trace directory, or "" when tracing is off."""
    return os.environ.get(ENV, "")


def set_role(role: str) -> None:
    """Name this process's row in the timeline (client, dockerd, containerd, shim, runtime)."""
    global _role
    _role = role


def emit(name: str, start_ns: int, end_ns: int, role: str = "", pid: int = 0) -> None:
    """Append one span; role/pid default to this process's (the container's row is written by others)."""
    where = os.environ.get(ENV)
    if not where:
        return
    from .jsonfast import dumps  # not json: its import would sit inside the client's first span

    role = role or _role or os.path.basename(os.environ.get("_", "") or "python")
    pid = pid or os.getpid()
    line = dumps({"role": role, "pid": pid, "name": name, "start": start_ns, "end": end_ns}) + "\n"
    try:
        fd = os.open(os.path.join(where, f"{role}-{pid}.jsonl"),
                     os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    except OSError:
        return  # a trace must never break the engine
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


class _Span:
    __slots__ = ("name", "start")

    def __init__(self, name: str) -> None:
        self.name = name
        self.start = time.monotonic_ns()

    def __enter__(self) -> "_Span":
        return self

    def __exit__(self, *exc: object) -> None:
        emit(self.name, self.start, time.monotonic_ns())


class _Off:
    __slots__ = ()

    def __enter__(self) -> "_Off":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


_OFF = _Off()


def span(name: str):
    """`with trace.span("task create"):` records the block's start and end (nothing when off)."""
    if not os.environ.get(ENV):
        return _OFF
    return _Span(name)


def process_start_ns(pid: int | str = "self") -> int:
    """When a process was created, on CLOCK_MONOTONIC (from /proc/<pid>/stat's starttime, which counts
    clock ticks since boot on CLOCK_BOOTTIME: a 10 ms resolution with CLK_TCK 100)."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    ticks = int(stat[stat.rfind(")") + 2:].split()[19])
    boot_to_mono = time.clock_gettime_ns(time.CLOCK_MONOTONIC) - time.clock_gettime_ns(time.CLOCK_BOOTTIME)
    return ticks * 1_000_000_000 // os.sysconf("SC_CLK_TCK") + boot_to_mono


def started(role: str, what: str = "interpreter start-up") -> None:
    """Name this process and record its own start-up: from its creation (the exec of the interpreter)
    until now, when its main code runs. Call first thing in main() (a second call in the same role, as
    when a warm shim forks minirunc and then runs its main, is ignored)."""
    if _role == role:
        return
    set_role(role)
    if os.environ.get(ENV):
        try:
            emit(what, process_start_ns(), time.monotonic_ns())
        except (OSError, ValueError, IndexError):
            pass


class Phases:
    """Consecutive steps of one operation: each mark() closes the span since the previous mark."""

    __slots__ = ("prefix", "last")

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.last = time.monotonic_ns() if os.environ.get(ENV) else 0

    def mark(self, what: str) -> None:
        if self.last:
            now = time.monotonic_ns()
            emit(self.prefix + what, self.last, now)
            self.last = now
