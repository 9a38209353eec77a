"""Restart policies in the daemon: restart after an exit, cancel on stop/kill, restart at daemon start (cf. moby daemon/monitor.go handleContainerExit, daemon/daemon.go restore).

The policy decision is restartmanager.RestartManager's; this mixin keeps one manager per container
(made on first use, thrown away on a manual start) and runs the delayed start in a thread while the
container shows "Restarting (N) ... ago".
"""

from __future__ import annotations

import logging
import threading
import time

from .containers.record import Container
from .containers.state import Status, parse_rfc3339
from .restartmanager import RestartManager

log = logging.getLogger("minidockerd.restart")


class RestartMixin:
    shutting_down = False

    def restart_manager(self, c: Container) -> RestartManager:
        if c.restart_manager is None:
            c.restart_manager = RestartManager(c.host_config.get("RestartPolicy"), c.restart_count)
        return c.restart_manager

    def reset_restart_manager(self, c: Container) -> None:
        """A manual start: the old manager is cancelled, the count starts again (moby ResetRestartManager(true))."""
        if c.restart_manager is not None:
            c.restart_manager.cancel()
        c.restart_manager = None
        c.restart_count = 0
        c.manually_stopped = False

    def decide_restart(self, c: Container, exit_code: int) -> float | None:
        """On an exit (caller holds c.lock): the back-off delay if the policy restarts it, else None."""
        ran_for = time.time() - parse_rfc3339(c.state.started_at)
        restart, delay = self.restart_manager(c).should_restart(exit_code, self.shutting_down or c.manually_stopped,
                                                                ran_for)
        return delay if restart else None

    def cancel_restart(self, c: Container, manual: bool = True) -> None:
        """A stop or kill: the container must stay down (moby ExitOnNext)."""
        if manual and not self.shutting_down:
            c.manually_stopped = True
        self.restart_manager(c).cancel()

    def wait_restart_over(self, c: Container, timeout: float = 30) -> None:
        with c.state.cond:
            c.state.cond.wait_for(lambda: c.state.status is not Status.RESTARTING, timeout)

    def restart_later(self, c: Container, delay: float) -> None:
        manager = self.restart_manager(c)
        threading.Thread(target=self._restart_after, args=(c, manager, delay), name=f"restart-{c.id[:12]}",
                         daemon=True).start()

    def _restart_after(self, c: Container, manager: RestartManager, delay: float) -> None:
        if manager.wait(delay):
            with c.lock:
                if (c.state.status is Status.RESTARTING and c.restart_manager is manager
                        and not manager.cancelled.is_set()):
                    try:
                        self._start_locked(c)
                        return
                    except Exception as err:  # noqa: BLE001 - recorded; the container stays exited
                        log.warning("restart of %s failed: %s", c.id[:12], err)
                        c.state.error = str(err)
        with c.lock:
            if c.state.status is Status.RESTARTING:
                with c.state.cond:
                    c.state.set_status(Status.EXITED)
                c.save()

    def restart_at_boot(self, loaded: list[Container]) -> None:
        """Containers whose policy says so start again with the daemon (`always` even after a stop)."""
        for c in loaded:
            if c.state.running or not c.has_been_started or c.state.status is not Status.EXITED:
                continue
            policy = RestartManager(c.host_config.get("RestartPolicy"), c.restart_count)
            ran_for = parse_rfc3339(c.state.finished_at) - parse_rfc3339(c.state.started_at)
            if policy.should_restart(c.state.exit_code, c.manually_stopped, ran_for)[0]:
                try:
                    self.start_container(c)
                except Exception:  # noqa: BLE001 - one container must not stop the others
                    log.exception("restarting %s at daemon start failed", c.id[:12])
