"""Container lifecycle: start, the exit watcher, stop, kill, restart, remove, wait, live restore (cf. moby daemon/start.go, monitor.go, stop.go, kill.go, delete.go, restart.go).

A started container has a containerd task (one shim) and a watcher thread blocked in Tasks.Wait;
the watcher records the exit (code, FinishedAt, OOMKilled), deletes the task, disconnects the network
and, for --rm, removes the container. Waiters (`docker wait`) block on the state's Condition.
"""

from __future__ import annotations

import json
import logging
import os
import signal as _signal
import threading
import time
from typing import Any

from ..errors import Conflict, InvalidArgument, MinidockerError, NotFound, NotModified, RuntimeFailure
from .. import trace
from ..linux import cgroupwarm
from ..linux.removeall import remove_all_quietly
from .containers import mounts as mnt
from .containers.joins import namespace_paths
from .containers import spec as specs
from .containers.record import Container
from .containers.state import Status, now_rfc3339
from . import etcextra, links, spec_extras
from .containers.stdio import Hub, TaskIO, abort, remove_fifo_dir
from .restart import RestartMixin
from .restore import RestoreMixin
from .sandbox import SandboxMixin

log = logging.getLogger("minidockerd.lifecycle")

NOT_FOUND_WORDS = ("executable file not found", "no such file or directory", "not found in $PATH")
PERMISSION_WORDS = ("permission denied",)


def parse_signal(value: str | int | None, default: int = _signal.SIGKILL) -> int:
    """A signal by number, name or SIGNAME ("9", "KILL", "SIGKILL"), as `docker kill -s` takes it."""
    if value in (None, ""):
        return default
    text = str(value).strip()
    if text.isdigit():
        number = int(text)
        if not 0 < number < 65:
            raise InvalidArgument(f"Invalid signal: {value}")
        return number
    name = text.upper()
    if not name.startswith("SIG"):
        name = "SIG" + name
    try:
        return int(getattr(_signal.Signals, name))
    except AttributeError:
        raise InvalidArgument(f"Invalid signal: {value}") from None


def start_error(err: Exception) -> MinidockerError:
    """A runtime failure at start in Docker's words; not-found / permission errors are the user's (400)."""
    text = str(err)
    msg = f"failed to create shim task: OCI runtime create failed: {text}: unknown" if "OCI runtime" not in text else text
    lowered = text.lower()
    if any(w in lowered for w in NOT_FOUND_WORDS + PERMISSION_WORDS):
        return InvalidArgument(msg)
    return RuntimeFailure(msg)


def start_exit_code(err: Exception) -> int:
    lowered = str(err).lower()
    if any(w in lowered for w in NOT_FOUND_WORDS):
        return 127
    if any(w in lowered for w in PERMISSION_WORDS):
        return 126
    return 128


class SpecRefused(Exception):
    """dockerd could not build the OCI spec (before containerd or the runtime saw anything)."""

    def __init__(self, error: MinidockerError) -> None:
        super().__init__(str(error))
        self.error = error

    def api_error(self) -> MinidockerError:
        # moby's user and group lookups fail with an untyped error: a 500 with the bare message.
        if str(self.error).startswith("unable to find "):
            return RuntimeFailure(str(self.error))
        return self.error


class LifecycleMixin(SandboxMixin, RestoreMixin, RestartMixin):
    # ---- hubs: attach streams outlive tasks ----
    def hub(self, c: Container) -> Hub:
        if getattr(c, "hub", None) is None:
            c.hub = Hub()
        return c.hub

    # ---- start ----
    def start_container(self, c: Container) -> None:
        cgroupwarm.start()  # the kernel's first cgroup-attach wait, paid while this start goes on (linux/cgroupwarm.py)
        with c.lock:
            if c.state.running:
                raise NotModified("container already started")
            if c.state.status in (Status.REMOVING, Status.DEAD):
                raise Conflict(f"cannot start container {c.id}: it is being removed")
            self.reset_restart_manager(c)
            try:
                self._start_locked(c)
            except NotModified:
                raise
            except (Conflict, NotFound):
                # `run --rm` whose start fails (e.g. --network container:<stopped>): removed all the same,
                # as dockerd does, so the client's wait for "removed" ends.
                if c.host_config.get("AutoRemove") and c.state.status not in (Status.REMOVING, Status.DEAD):
                    threading.Thread(target=self._auto_remove, args=(c,), daemon=True).start()
                raise
            except SpecRefused as refused:
                # Refused by dockerd itself (the user is not in the image's passwd file...): Docker's
                # message as is, no containerd/runtime frame, exit code 128 (cf. daemon/start.go).
                self._record_start_failure(c, str(refused.error), 128)
                raise refused.api_error() from None
            except Exception as err:
                self._record_start_failure(c, str(err), start_exit_code(err))
                raise start_error(err) from None

    def _record_start_failure(self, c: Container, text: str, code: int) -> None:
        with c.state.cond:
            c.state.error = text
            c.state.exit_code = code
            c.state.cond.notify_all()
        self._save_state(c, "after a failed start")
        if c.host_config.get("AutoRemove"):
            threading.Thread(target=self._auto_remove, args=(c,), daemon=True).start()

    def _start_locked(self, c: Container) -> None:
        t0 = time.perf_counter()
        marks: list[tuple[str, float]] = []

        last = [time.monotonic_ns()]

        def mark(what: str) -> None:
            marks.append((what, time.perf_counter() - t0))
            now = time.monotonic_ns()
            trace.emit(f"start: {what}", last[0], now)  # nothing unless MINIDOCKER_TRACE is set
            last[0] = now

        image = self.images.get(c.image_id)
        image_cfg = image.config.get("config") or {}
        rootfs = self._rootfs_mounts(c, image)
        mark("rootfs")
        netns = self._connect_network(c)
        mark("network")
        io = None
        try:
            self._write_etc_files(c)
            etcextra.apply(c.dir, c.config, c.host_config)  # --add-host, --dns*
            extra = self._etc_mounts(c) + mnt.oci_mounts(c.mount_points)
            try:
                link_env, link_hosts = links.resolve(self.containers, c)  # legacy --link
                joins = namespace_paths(c.host_config, self.containers)
                spec = spec_extras.apply(specs.build(c, image_cfg, rootfs, extra, netns, joins), c.host_config)
            except MinidockerError as err:
                raise SpecRefused(err) from None
            if link_hosts or link_env:
                links.apply(c.dir / "hosts", link_hosts, c.config.get("Hostname") or "", spec["process"], link_env)
            mark("spec")
            self.tasks.forget(c.id)  # a task or record left over from a crash
            self.tasks.create_container(c.id, json.dumps(spec).encode(), c.runtime or self.runtime,
                                        c.rootfs_key, c.image_id)
            mark("containerd container")
            io = TaskIO(c.id, "init", stdin=bool(c.config.get("OpenStdin")), tty=c.tty, hub=self.hub(c)).open()
            c.io = io
            log_path = c.log_path
            if log_path is not None:
                log_path.parent.mkdir(parents=True, exist_ok=True)
            self.tasks.create_task(c.id, rootfs, io.io_spec(), str(log_path or ""))
            mark("task create")
            pid = self.tasks.start(c.id)
            mark("task start")
            io.started()
        except BaseException:
            if io is not None:
                abort(io)
            c.io = None
            self.tasks.forget(c.id)
            self._disconnect_network(c)
            raise
        with c.state.cond:
            c.state.set_status(Status.RUNNING)
            c.state.pid = pid
            c.state.started_at = now_rfc3339()
            c.state.exit_code = 0
            c.state.error = ""
            c.state.oom_killed = False
        c.has_been_started = True
        # Wait for the exit now: the round trip to containerd overlaps the save below (a container as short as
        # `true` has exited by then). Its clean-up takes the container's lock, so it still comes after this start.
        self._watch(c)
        c.save()
        self.emit(c, "start")
        self.health_start(c)
        mark("saved")
        log.debug("start %s: %s", c.id[:12], ", ".join(f"{w} {t * 1000:.0f}ms" for w, t in marks))

    def _rootfs_mounts(self, c: Container, image: Any) -> list[Any]:
        try:
            return self.images.snapshots.mounts(c.rootfs_key)
        except NotFound:
            return self.images.prepare_rootfs(c.rootfs_key, image)

    # ---- exits ----
    def _watch(self, c: Container) -> None:
        threading.Thread(target=self._watcher, args=(c,), name=f"wait-{c.id[:12]}", daemon=True).start()

    def _watcher(self, c: Container) -> None:
        """One thread per running container: it must outlive any error, or `run --rm` and `wait` hang."""
        try:
            status = self.tasks.wait_retrying(c.id)
        except Exception as err:  # noqa: BLE001 - reported; the container is then seen as exited
            log.exception("waiting for the exit of %s failed", c.id[:12])
            status = {"exit_status": 255, "error": f"waiting for the task failed: {err}"}
        try:
            self._on_exit(c, status)
        except Exception:  # noqa: BLE001 - reported; waiters were already told of the exit
            log.exception("clean-up after the exit of %s failed", c.id[:12])

    def _save_state(self, c: Container, when: str) -> bool:
        """Save the record; a full disk or an I/O error (ENOSPC, EIO) is reported, never fatal to the
        caller: the exit must still reach waiters, `die` its subscribers and --rm its removal (cf. moby
        daemon/monitor.go, which logs "failed to save container state" and goes on)."""
        try:
            c.save()
            return True
        except OSError as err:
            log.error("container %s: cannot save its state %s: %s", c.id[:12], when, err)
            with c.state.cond:
                c.state.error = f"cannot save container state: {os.strerror(err.errno or 0).lower()}"
            return False

    def _on_exit(self, c: Container, status: dict[str, Any]) -> None:
        delay = None
        phases = trace.Phases("exit: ")  # the --rm path, step by step, in a trace (nothing otherwise)
        with c.lock:
            self.health_stop(c)  # under the lock: after the start that may still be starting the monitor
            if c.state.status not in (Status.RUNNING, Status.PAUSED):
                return
            try:
                if c.io is not None:
                    c.io.finish()
                    c.io.remove_files()
                else:
                    self.hub(c).end()
            except OSError as err:  # EIO on a FIFO: the exit is recorded all the same
                log.error("container %s: closing its stdio failed: %s", c.id[:12], err)
            c.io = None
            # Waiters (docker run, docker stop) learn of the exit first; the clean-up that follows
            # holds the container's lock, so a start or rm that comes next simply waits for it.
            code = int(status.get("exit_status", 0))
            delay = self.decide_restart(c, code)
            with c.state.cond:
                c.state.set_status(Status.EXITED if delay is None else Status.RESTARTING)
                if delay is not None:
                    c.restart_count += 1
                c.state.exit_code = code
                c.state.oom_killed = bool(status.get("oom_killed"))
                ns = int(status.get("exited_at_ns") or 0)
                c.state.finished_at = now_rfc3339(ns or None)
                if status.get("error"):
                    c.state.error = status["error"]
                c.state.pid = 0
                c.state.exits += 1
                c.state.cond.notify_all()
            phases.mark("stdio closed, waiters told")
            self._save_state(c, "after its exit")
            log.info("container %s exited with %d", c.id[:12], c.state.exit_code)
            self.emit(c, "die", exitCode=str(c.state.exit_code))
            phases.mark("state saved")
            self.tasks.forget(c.id)
            phases.mark("task and containerd container deleted")
            self._disconnect_network(c)
            remove_fifo_dir(c.id)
            phases.mark("network released")
        if delay is not None:
            self.restart_later(c, delay)
        elif c.host_config.get("AutoRemove"):
            self._auto_remove(c)

    def _auto_remove(self, c: Container) -> None:
        try:
            self.remove_container(c, force=True, volumes=True)
        except NotFound:
            pass
        except Exception:  # noqa: BLE001 - logged; the container stays for a manual rm
            log.exception("auto-remove of %s failed", c.id[:12])

    # ---- stop / kill / restart ----
    def _wait_exit(self, c: Container, seen: int, timeout: float) -> bool:
        with c.state.cond:
            return c.state.cond.wait_for(lambda: c.state.exits > seen or not c.state.running, timeout)

    def stop_container(self, c: Container, timeout: int | None = None) -> None:
        if not c.state.running:
            raise NotModified("container already stopped")
        self.cancel_restart(c)
        if c.state.status is Status.RESTARTING:  # between two runs: no process to signal
            self.wait_restart_over(c)
            if not c.state.running:
                self.emit(c, "stop")
                return
            # the restart was already under way when the stop came: stop the new run
        seen = c.state.exits
        stop_signal = parse_signal(c.config.get("StopSignal"), _signal.SIGTERM)
        if timeout is None:
            timeout = c.config.get("StopTimeout")  # docker run --stop-timeout
        timeout = 10 if timeout is None else int(timeout)
        try:
            self.tasks.kill(c.id, stop_signal)
        except NotFound:
            pass
        self.thaw_after_signal(c)
        if timeout < 0:
            self._wait_exit(c, seen, None)
        elif not self._wait_exit(c, seen, timeout):
            self.emit(c, "kill", signal=str(int(_signal.SIGKILL)))
            self.tasks.kill(c.id, _signal.SIGKILL, all=True)
            if not self._wait_exit(c, seen, 30):
                raise RuntimeFailure(f"cannot stop container: {c.id}: tried to kill container, but did not receive an exit event")
        self.emit(c, "stop")

    def kill_container(self, c: Container, sig: int) -> None:
        if not c.state.running:
            raise Conflict(f"Cannot kill container: {c.name.lstrip('/')}: Container {c.id} is not running")
        stop_signal = c.config.get("StopSignal")
        ends_it = sig == _signal.SIGKILL or not stop_signal or sig == parse_signal(stop_signal)
        if ends_it:
            self.cancel_restart(c)  # moby ExitOnNext
        elif not self.shutting_down:
            c.manually_stopped = True
        if c.state.status is Status.RESTARTING:
            return  # the cancelled restart leaves it exited; there is no process to signal
        seen = c.state.exits
        self.emit(c, "kill", signal=str(sig))
        self.tasks.kill(c.id, sig, all=sig == _signal.SIGKILL)
        if ends_it:
            self.thaw_after_signal(c)
        if sig == _signal.SIGKILL:
            self._wait_exit(c, seen, 10)  # as Docker: kill -9 returns once the container is down

    def restart_container(self, c: Container, timeout: int | None = None) -> None:
        if c.state.running:
            self.stop_container(c, timeout)
        self.start_container(c)

    # ---- remove ----
    def remove_container(self, c: Container, force: bool = False, volumes: bool = False) -> None:
        for _ in range(5):  # a start may slip in between the kill and the lock: kill again then
            if c.state.running:
                self._kill_for_removal(c, force)
            with c.lock:
                if c.state.running:
                    continue
                if c.state.removed:
                    return
                self._remove_locked(c)
                break
        else:
            raise Conflict(f"container {c.id} keeps being started; cannot remove it")
        if volumes:
            for m in c.mount_points:
                if m.get("Type") == "volume" and self.volumes.is_anonymous(m.get("Name", "")):
                    try:
                        self.volumes.remove(m["Name"])
                    except (Conflict, NotFound):
                        pass

    def _kill_for_removal(self, c: Container, force: bool) -> None:
        if not force:
            raise Conflict(f"You cannot remove a running container {c.id}. "
                           "Stop the container before attempting removal or force remove")
        self.cancel_restart(c)
        if c.state.status is Status.RESTARTING:
            self.wait_restart_over(c)
            if not c.state.running:
                return
        seen = c.state.exits
        try:
            self.tasks.kill(c.id, _signal.SIGKILL, all=True)
        except NotFound:
            pass
        self.thaw_after_signal(c)
        if not self._wait_exit(c, seen, 30):
            raise RuntimeFailure(f"Could not kill running container {c.id}, cannot remove")

    def _remove_locked(self, c: Container) -> None:
        if c.state.status is Status.REMOVING:
            raise Conflict(f"removal of container {c.id} is already in progress")
        with c.state.cond:
            c.state.set_status(Status.REMOVING)
        phases = trace.Phases("remove: ")
        try:
            self.tasks.forget(c.id, removing=True)
            self._disconnect_network(c)  # in case a crash came between an exit and its clean-up
            phases.mark("task, network")
            self.images.release_rootfs(c.rootfs_key, c.image_id)
            phases.mark("rootfs snapshot")
        except Exception as err:
            with c.state.cond:
                c.state.set_status(Status.DEAD)
                c.state.error = str(err)
            self._save_state(c, "after a failed removal")
            raise
        for execid in [e for e, x in list(self.execs.items()) if x.container is c]:  # ended ones too
            self.execs.pop(execid, None)
        remove_all_quietly(c.dir)
        remove_fifo_dir(c.id)
        self.containers.delete(c)
        with c.state.cond:
            c.state.removed = True
            c.state.cond.notify_all()
        phases.mark("files, record (waiters told)")
        self.emit(c, "destroy")

    # ---- wait ----
    def wait_container(self, c: Container, condition: str, gone, seen: int | None = None) -> dict[str, Any]:
        """Block until the condition holds (or the client hangs up: then None); Docker's wait response.

        seen: the exit count when the request arrived; "next-exit" means an exit after that moment, even
        one that happens before this call (the CLI starts the container without waiting for our headers).
        """
        if condition not in ("", "not-running", "next-exit", "removed"):
            raise InvalidArgument(f"invalid condition: {condition!r}")
        st = c.state
        seen = st.exits if seen is None else seen
        if condition in ("", "not-running"):
            def done() -> bool:  # an exit into "restarting" counts: moby's SetRestarting wakes these waiters
                return not st.running or st.removed or st.exits > seen
        elif condition == "next-exit":
            def done() -> bool:
                return st.exits > seen or st.removed
        else:
            def done() -> bool:
                return st.removed
        with st.cond:
            while not done():
                st.cond.wait(0.5)
                if not done() and gone():
                    return None
            # Error stays null: a start failure already reached the client through POST /start.
            return {"Error": None, "StatusCode": st.exit_code}
