"""Health checks: a probe run in the container every interval, its results in State.Health (cf. moby daemon/health.go).

A container whose config has a Healthcheck (from `docker run --health-*` or the image's HEALTHCHECK)
gets one monitor thread while it runs. After each interval it runs the probe as an exec in the
container (`CMD` as given, `CMD-SHELL` through the container's shell), at most `timeout` long, and
records the result: exit 0 is healthy; any other code counts one failure, and `retries` failures in a
row make the container unhealthy, except that failures inside the start period do not count while it
is still starting. Every change of status is a `health_status: <status>` event. The last five results
stay in State.Health.Log, each output cut to 4096 bytes.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from ..errors import InvalidArgument, MinidockerError
from .containers.state import now_rfc3339

log = logging.getLogger("minidockerd.health")

SECOND = 1_000_000_000
DEFAULT_INTERVAL = 30 * SECOND
DEFAULT_TIMEOUT = 30 * SECOND
DEFAULT_START_PERIOD = 0
DEFAULT_RETRIES = 3
MINIMUM_DURATION = 1_000_000  # 1ms (containertypes.MinimumDuration)
MAX_LOG_ENTRIES = 5
MAX_OUTPUT = 4096


def merge_config(user: dict[str, Any] | None, image: dict[str, Any] | None) -> dict[str, Any] | None:
    """Config.Healthcheck at create: the user's fields, the image's where the user left them empty (daemon/commit.go merge)."""
    if not user:
        return dict(image) if image else None
    merged = dict(user)
    for key in ("Test", "Interval", "Timeout", "StartPeriod", "Retries"):
        if not merged.get(key) and image and image.get(key):
            merged[key] = image[key]
    return merged


def validate(config: dict[str, Any] | None) -> None:
    """dockerd's checks at create (daemon/container.go verifyContainerSettings)."""
    if not config:
        return
    for key in ("Interval", "Timeout", "StartPeriod"):
        value = int(config.get(key) or 0)
        if value != 0 and value < MINIMUM_DURATION:
            raise InvalidArgument(f"{key} in Healthcheck cannot be less than 1ms")
    if int(config.get("Retries") or 0) < 0:
        raise InvalidArgument("Retries in Healthcheck cannot be negative")


def probe_argv(config: dict[str, Any] | None, container_config: dict[str, Any]) -> list[str] | None:
    """The command a probe runs, or None when the container has no health check (none, or NONE)."""
    test = list((config or {}).get("Test") or [])
    if not test or test[0] == "NONE":
        return None
    if test[0] == "CMD":
        return test[1:] or None
    if test[0] == "CMD-SHELL":
        shell = container_config.get("Shell") or ["/bin/sh", "-c"]
        return list(shell) + [" ".join(test[1:])]
    return None  # an unknown kind: moby logs "unknown healthcheck type" and runs no monitor


def status_suffix(health: dict[str, Any] | None) -> str:
    """What `docker ps` adds after "Up ...": " (healthy)", " (unhealthy)", " (health: starting)"."""
    if not health:
        return ""
    status = health.get("Status") or "starting"
    return " (health: starting)" if status == "starting" else f" ({status})"


class HealthMixin:
    """The daemon's side: one monitor per running container with a health check."""

    def health_start(self, c: Any) -> None:
        """On start (and on live restore): status starting, streak 0, the last results kept; then probe."""
        self.health_stop(c)
        argv = probe_argv(c.config.get("Healthcheck"), c.config)
        if argv is None:
            return
        with c.state.cond:
            health = dict(c.state.health or {"Log": []})
            health.update(Status="starting", FailingStreak=0)
            c.state.health = health
        if c.state.status.value != "paused":  # a container restored paused is probed once unpaused
            self._health_spawn(c, argv)

    def health_resume(self, c: Any) -> None:
        """After unpause: a new monitor, the status left as the pause set it until the next probe (moby
        updateHealthMonitor)."""
        argv = probe_argv(c.config.get("Healthcheck"), c.config)
        if argv is not None and c.state.health is not None and getattr(c, "health_stop", None) is None:
            self._health_spawn(c, argv)

    def _health_spawn(self, c: Any, argv: list[str]) -> None:
        stop = threading.Event()
        c.health_stop = stop
        threading.Thread(target=self._health_monitor, args=(c, argv, stop), name=f"health-{c.id[:12]}",
                         daemon=True).start()

    def health_stop(self, c: Any) -> None:
        """On pause and exit: no more probes, and the status becomes unhealthy, as moby's CloseMonitorChannel
        says "for compatibility reasons" (the streak and the log stay)."""
        stop = getattr(c, "health_stop", None)
        if stop is not None:
            stop.set()
            c.health_stop = None
            with c.state.cond:
                if c.state.health is not None:
                    c.state.health = {**c.state.health, "Status": "unhealthy"}

    def _health_monitor(self, c: Any, argv: list[str], stop: threading.Event) -> None:
        cfg = c.config.get("Healthcheck") or {}
        interval = int(cfg.get("Interval") or DEFAULT_INTERVAL) / SECOND
        timeout = int(cfg.get("Timeout") or DEFAULT_TIMEOUT) / SECOND
        while not stop.wait(interval):
            try:
                result = self._health_probe(c, argv, timeout)
            except MinidockerError as err:  # the container stopped under the probe, or the exec failed
                if stop.is_set() or not c.state.running:
                    return
                result = {"Start": now_rfc3339(), "End": now_rfc3339(), "ExitCode": -1, "Output": str(err)}
            except Exception:  # noqa: BLE001 - a monitor must outlive any error; reported, next interval tries again
                log.exception("health probe of %s failed", c.id[:12])
                continue
            if stop.is_set():
                return  # stopped while probing: the result belongs to no run (moby drops it too)
            self._health_record(c, result)

    def _health_probe(self, c: Any, argv: list[str], timeout: float) -> dict[str, Any]:
        started, begin = now_rfc3339(), time.monotonic()
        eid = self.exec_create(c, {"Cmd": argv, "AttachStdout": True, "AttachStderr": True})
        try:
            ex = self.exec_get(eid)
            output = self.exec_prepare(ex, detach=False)
            self.exec_launch(ex)
            chunks, size = [], 0
            deadline = begin + timeout
            while (left := deadline - time.monotonic()) > 0:
                try:
                    item = output.get(timeout=left)
                except Exception:  # noqa: BLE001 - queue.Empty: the timeout ran out
                    break
                if item is None:
                    break
                if size < MAX_OUTPUT:
                    chunks.append(item[1])
                    size += len(item[1])
            if not ex.done.wait(max(0.0, deadline - time.monotonic())):
                self._health_kill(c, ex)
                return {"Start": started, "End": now_rfc3339(), "ExitCode": -1,
                        "Output": f"Health check exceeded timeout ({_go_seconds(timeout)})"}
            text = (ex.error.encode() if ex.error else b"".join(chunks))[:MAX_OUTPUT].decode(errors="replace")
            return {"Start": started, "End": now_rfc3339(), "ExitCode": int(ex.exit_code or 0), "Output": text}
        finally:
            self.execs.pop(eid, None)  # a probe is no exec a user can inspect later

    def _health_kill(self, c: Any, ex: Any) -> None:
        import signal

        try:
            self.tasks.kill(c.id, signal.SIGKILL, ex.id)
        except MinidockerError:
            pass  # already gone
        ex.done.wait(5)

    def _health_record(self, c: Any, result: dict[str, Any]) -> None:
        """moby's handleProbeResult: the log, the streak, the status, an event when the status changes."""
        from .containers.state import parse_rfc3339

        cfg = c.config.get("Healthcheck") or {}
        retries = int(cfg.get("Retries") or 0) or DEFAULT_RETRIES
        start_period = int(cfg.get("StartPeriod") or DEFAULT_START_PERIOD) / SECOND
        with c.state.cond:
            if not c.state.running or c.state.health is None:
                return
            health = dict(c.state.health)
            old = health.get("Status")
            health["Log"] = (list(health.get("Log") or []) + [result])[-MAX_LOG_ENTRIES:]
            if result["ExitCode"] == 0:
                health.update(Status="healthy", FailingStreak=0)
            else:
                since_start = parse_rfc3339(result["Start"]) - parse_rfc3339(c.state.started_at)
                if not (old == "starting" and since_start < start_period):
                    health["FailingStreak"] = int(health.get("FailingStreak") or 0) + 1
                    if health["FailingStreak"] >= retries:
                        health["Status"] = "unhealthy"
            c.state.health = health
        try:
            c.save()
        except OSError as err:
            log.error("container %s: cannot save its health: %s", c.id[:12], err)
        if health["Status"] != old:
            self.emit(c, "health_status: " + health["Status"])


def _go_seconds(seconds: float) -> str:
    from ..units import go_duration

    return go_duration(int(seconds * SECOND))
