"""The shim's reaper: as child subreaper it waits for every descendant (cf. containerd sys/reaper).

One thread calls waitpid(-1) for ever and records each exit, so that the runtime commands the
shim runs and the container processes re-parented to it never race for the same status:
whoever is interested in a pid asks `wait_for(pid)`, before or after it has exited.
"""

from __future__ import annotations

import os
import threading
import time

KEEP_UNCLAIMED_NS = 300 * 10**9  # statuses nobody asked for (a container's orphans) are forgotten after 5 min


class Reaper:
    """Reaps every child of this process and hands out exit statuses by pid."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._exits: dict[int, tuple[int, int]] = {}  # pid -> (exit code as a shell shows it, time_ns)
        self._children = threading.Event()
        self._thread: threading.Thread | None = None

    def spawned(self) -> None:
        """Tell the reaper a child exists (it sleeps while there are none). The reaping thread starts with
        the first child: waitpid(-1) takes every child's status, so it only runs in a process that wants that."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="reaper", daemon=True)
            self._thread.start()
        self._children.set()

    def _loop(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                self._children.wait()
                self._children.clear()
                continue
            except InterruptedError:
                continue
            code = os.waitstatus_to_exitcode(status)
            code = 128 - code if code < 0 else code  # killed by signal N -> 128+N, as a shell reports it
            now = time.time_ns()
            with self._cond:
                self._exits = {p: v for p, v in self._exits.items() if now - v[1] < KEEP_UNCLAIMED_NS}
                self._exits[pid] = (code, now)
                self._cond.notify_all()

    def wait_for(self, pid: int, timeout: float | None = None) -> tuple[int, int] | None:
        """The (exit code, exited_at_ns) of `pid`, waiting for it; None on timeout."""
        with self._cond:
            if not self._cond.wait_for(lambda: pid in self._exits, timeout):
                return None
            return self._exits.pop(pid)
