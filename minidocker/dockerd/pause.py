"""Pause and unpause: freeze a container's processes through containerd's Pause/Resume (cf. moby daemon/pause.go, daemon/unpause.go).

containerd asks the shim, the shim runs `<runtime> pause|resume`, which writes the freezer cgroup.
A paused container is still running (ps shows "Up ... (Paused)"); dockerd refuses exec and attach,
and a stop or kill signals it and then thaws it, so that the signal is delivered (cf. daemon/kill.go).
"""

from __future__ import annotations

from ..errors import Conflict, RuntimeFailure
from .containers.record import Container
from .containers.state import Status


class PauseMixin:
    def pause_container(self, c: Container) -> None:
        with c.lock:
            if not c.state.running:
                raise Conflict(f"Container {c.id} is not running")
            if c.state.status is Status.PAUSED:
                raise Conflict(f"Container {c.id} is already paused")
            if c.state.status is Status.RESTARTING:
                raise Conflict(f"Container {c.id} is restarting, wait until the container is running")
            try:
                self.tasks.pause(c.id)
            except Exception as err:  # noqa: BLE001 - dockerd wraps whatever containerd says
                raise RuntimeFailure(f"Cannot pause container {c.id}: {err}") from None
            with c.state.cond:
                c.state.set_status(Status.PAUSED)
            self.health_stop(c)  # no probes while frozen (moby's updateHealthMonitor)
            c.save()
        self.emit(c, "pause")

    def unpause_container(self, c: Container) -> None:
        with c.lock:
            if c.state.status is not Status.PAUSED:
                raise RuntimeFailure(f"Container {c.id} is not paused")
            self._resume_locked(c)
        self.emit(c, "unpause")

    def _resume_locked(self, c: Container) -> None:
        try:
            self.tasks.resume(c.id)
        except Exception as err:  # noqa: BLE001
            raise RuntimeFailure(f"Cannot unpause container {c.id}: {err}") from None
        with c.state.cond:
            if c.state.status is Status.PAUSED:
                c.state.set_status(Status.RUNNING)
        self.health_resume(c)
        c.save()

    def thaw_after_signal(self, c: Container) -> None:
        """After a stop or kill signal to a paused container: thaw it so the signal lands (daemon/kill.go
        resumes it the same way); the unpause event follows, as containerd's resumed event does in Docker."""
        if c.state.status is not Status.PAUSED:
            return
        try:
            with c.lock:
                self._resume_locked(c)
        except RuntimeFailure:
            return  # it exited meanwhile
        self.emit(c, "unpause")
