"""Live restore: after a dockerd restart, re-adopt running tasks and report exits that happened meanwhile (cf. moby daemon/daemon.go restore).

Each record that was running asks containerd for its task: still running, its stdio FIFOs are
reopened and a watcher waits again; stopped, its real exit status (kept by the shim) is recorded;
gone, the container is marked exited with 255, as Docker does for a lost task.
"""

from __future__ import annotations

import logging

from ..errors import NotFound, RuntimeFailure
from .containers.record import Container
from .containers.state import Status
from .containers.stdio import TaskIO

log = logging.getLogger("minidockerd.restore")


class RestoreMixin:
    def restore(self, loaded: list[Container]) -> None:
        """After a dockerd restart: re-adopt running tasks, record exits that happened meanwhile."""
        for c in loaded:
            if c.state.status is Status.RESTARTING:
                c.state.status = Status.EXITED  # the daemon stopped during a back-off: restart_at_boot decides
            try:
                self._restore_one(c)
            except Exception:  # noqa: BLE001 - one bad container must not stop the daemon
                log.exception("restoring %s failed", c.id[:12])

    def _restore_one(self, c: Container) -> None:
        if c.state.status is Status.REMOVING:
            c.state.status = Status.DEAD
        if not c.state.running:
            return
        try:
            task = self.tasks.get(c.id)
        except NotFound:
            task = None
        except RuntimeFailure as err:
            # containerd is not up (yet): the watcher's Wait retries until it answers.
            log.warning("cannot ask containerd about %s yet (%s); watching it anyway", c.id[:12], err)
            self._watch(c)
            return
        if task is None:
            self._on_exit(c, {"exit_status": 255, "error": "task disappeared while the daemon was down"})
            return
        if task.get("status") in ("running", "created", "paused"):
            io = TaskIO(c.id, "init", stdin=bool(c.config.get("OpenStdin")), tty=c.tty, hub=self.hub(c))
            if io.stdout_path.exists():
                c.io = io.open()
                io.started(wait=0.5)  # a stdin the shim already closed stays closed
            self._watch(c)
            self.health_start(c)
            log.info("re-adopted running container %s (pid %s)", c.id[:12], task.get("pid"))
            return
        self._on_exit(c, task)  # it exited while we were away: report its real status
