"""The shim's task service: one container's init and exec processes (cf. containerd
cmd/containerd-shim-runc-v2/task/service.go and pkg/process/init.go).

Each method answers one request of the protocol in protocol.py. The service mounts the rootfs,
writes config.json, drives the runtime, holds stdio, and records every exit it reaps (with the
OOM killer's verdict for the init), so that the status outlives dockerd and containerd.
"""

from __future__ import annotations

import json
import os
import threading
import time

from .. import trace
from ..errors import Conflict, InvalidArgument, NotFound
from ..linux import cgroupwarm
from ..linux.atomicfile import write_atomic
from . import cgroup, rootfs
from .console import ConsoleSocket, resize
from .jsonlog import JsonLog
from .reaper import Reaper
from .runtime import Runtime
from .state import ProcessState, Status
from .stdio import ProcessIO


class Process:
    """A process of the container (the init or an exec) with its state and stdio."""

    def __init__(self, exec_id: str, io: ProcessIO, spec: dict | None = None) -> None:
        self.state = ProcessState(exec_id)
        self.io = io
        self.spec = spec  # an exec's OCI process, run at start


class _Background:
    """A call run on a thread; join() waits for it and raises what it raised."""

    def __init__(self, fn, *args) -> None:
        self.error: BaseException | None = None

        def body() -> None:
            try:
                fn(*args)
            except BaseException as err:  # noqa: BLE001 - handed to join()
                self.error = err

        self.thread = threading.Thread(target=body, daemon=True)
        self.thread.start()

    def join(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


class TaskService:
    def __init__(self, container_id: str, bundle: str, run_dir: str) -> None:
        self.id = container_id
        self.bundle = bundle
        self.run_dir = run_dir
        self.reaper = Reaper()
        self.runtime: Runtime | None = None
        self.init: Process | None = None
        self.execs: dict[str, Process] = {}
        self.cgroups: dict[str, str] = {}
        self.oom_before = 0
        self.log: JsonLog | None = None
        # Whether delete may unmount the rootfs while the runtime deletes the container: the init's exit ended
        # every process of it (its own pid namespace), and no poststop hook (run by that delete) looks at it.
        self.unmount_early = False
        self.lock = threading.Lock()  # serialises state-changing requests
        self.finished = threading.Event()  # set once the shim may exit

    # -- helpers --
    def _process(self, exec_id: str | None) -> Process:
        if not exec_id:
            if self.init is None:
                raise NotFound(f"task {self.id} not created")
            return self.init
        try:
            return self.execs[exec_id]
        except KeyError:
            raise NotFound(f"exec {exec_id} not found in task {self.id}") from None

    def _console(self, exec_id: str) -> ConsoleSocket:
        import hashlib

        name = hashlib.sha256(f"{self.id}/{exec_id}".encode()).hexdigest()[:16] + ".tty"
        return ConsoleSocket(os.path.join(self.run_dir, "s", name))

    def _spawn_process(self, proc: Process, make) -> int:
        """Run the runtime command that makes a process (create or exec), wiring its stdio and console."""
        proc.io.prepare()
        console = self._console(proc.state.exec_id) if proc.io.terminal else None
        try:
            pid = make(proc.io.child_fds, console.path if console else "")
            master = console.receive() if console else -1
        except BaseException:
            proc.io.close()
            raise
        finally:
            if console:
                console.close()
        proc.io.after_create(master)
        proc.state.pid = pid
        threading.Thread(target=self._monitor, args=(proc,), daemon=True).start()
        return pid

    def _monitor(self, proc: Process) -> None:
        """Wait for the process's exit; let its output drain into the log before reporting it."""
        code, at_ns = self.reaper.wait_for(proc.state.pid)
        if proc is self.init and trace.directory():  # the container's row ends when its init is reaped
            now = time.monotonic_ns()
            trace.emit("exited (reaped by the shim)", now, now, role="container", pid=proc.state.pid)
        oom = False
        if proc is self.init:
            oom = cgroup.oom_kills(self.cgroups) > self.oom_before
        proc.io.drain()
        proc.state.exited(code, oom, at_ns)

    # -- requests --
    def create(self, req: dict) -> dict:
        cgroupwarm.start()  # the runtime's cgroup work then finds the kernel's lock warm (linux/cgroupwarm.py)
        phases = trace.Phases("create: ")
        with self.lock:
            if self.init is not None:
                raise Conflict(f"task {self.id} already created")
            spec = req.get("spec")
            if not isinstance(spec, dict):
                raise InvalidArgument("create: spec must be an OCI runtime spec object")
            io = dict(req.get("io") or {})
            if bool(io.get("terminal")) != bool(spec.get("process", {}).get("terminal")):
                raise InvalidArgument("create: io.terminal and the spec's process.terminal differ")
            target = os.path.join(self.bundle, "rootfs")
            os.makedirs(target, exist_ok=True)
            rootfs.mount_all(req.get("rootfs") or [], target)
            phases.mark("rootfs mounted")
            try:
                spec.setdefault("root", {})["path"] = "rootfs"
                linux = spec.get("linux") or {}
                self.unmount_early = not (spec.get("hooks") or {}).get("poststop") and any(
                    n.get("type") == "pid" and not n.get("path") for n in linux.get("namespaces") or [])
                write_atomic(os.path.join(self.bundle, "config.json"), json.dumps(spec).encode(), mode=0o600,
                             durable=False)  # 0600: the spec holds the environment
                phases.mark("config.json")
                if req.get("log_path"):
                    self.log = JsonLog(req["log_path"])
                self.runtime = Runtime(req["runtime"], req["runtime_root"], self.bundle, self.reaper,
                                       req.get("runtime_command"))
                self.init = Process("", ProcessIO(io, self.log))
                pid = self._spawn_process(self.init, lambda fds, cs: self.runtime.create(self.id, fds, cs))
                phases.mark("stdio, runtime create")
            except BaseException:
                self.init = None
                if self.log:
                    self.log.close()
                rootfs.unmount_all(target)
                raise
            try:
                self.cgroups = cgroup.dirs_of(pid)
                self.oom_before = max(cgroup.oom_kills(self.cgroups), 0)
            except OSError:
                pass  # already gone: its exit is on its way through the reaper
            phases.mark("cgroup, OOM count")
            return {"pid": pid}

    def start(self, req: dict) -> dict:
        with self.lock:
            proc = self._process(req.get("exec_id"))
            if proc.state.status is not Status.CREATED:
                raise Conflict(f"cannot start a {proc.state.status.value} process")
            if proc is self.init:
                self.runtime.start(self.id)
            else:
                if self.init.state.status is not Status.RUNNING:
                    raise Conflict(f"container {self.id} is not running")
                cgroupwarm.start()  # runtime exec joins the container's cgroups
                exec_id = proc.state.exec_id
                self._spawn_process(proc, lambda fds, cs: self.runtime.exec(self.id, exec_id, proc.spec, fds, cs))
            if proc.state.status is Status.CREATED:
                proc.state.transition(Status.RUNNING)
            return {"pid": proc.state.pid}

    def state(self, req: dict) -> dict:
        return self._process(req.get("exec_id")).state.as_dict()

    def kill(self, req: dict) -> dict:
        proc = self._process(req.get("exec_id"))
        signal = int(req.get("signal") or 15)
        if proc.state.status in (Status.STOPPED, Status.DELETED):
            raise NotFound("process already finished")
        if proc is self.init:
            self.runtime.kill(self.id, signal, bool(req.get("all")))
        elif proc.state.pid:
            os.kill(proc.state.pid, signal)
        else:
            raise Conflict(f"exec {proc.state.exec_id} has not started")
        return {}

    def wait(self, req: dict) -> dict:
        proc = self._process(req.get("exec_id"))
        proc.state.wait_stopped()
        return proc.state.exit_info()

    def exec(self, req: dict) -> dict:
        exec_id = req.get("exec_id") or ""
        process = req.get("process")
        if not exec_id or not isinstance(process, dict):
            raise InvalidArgument("exec: exec_id and an OCI process object are required")
        io = dict(req.get("io") or {})
        if bool(io.get("terminal")) != bool(process.get("terminal")):
            raise InvalidArgument("exec: io.terminal and the process's terminal differ")
        with self.lock:
            if exec_id in self.execs:
                raise Conflict(f"exec {exec_id} already exists")
            if self.init is None or self.init.state.status is not Status.RUNNING:
                raise Conflict(f"container {self.id} is not running")
            self.execs[exec_id] = Process(exec_id, ProcessIO(io), process)
        return {}

    def pause(self, req: dict) -> dict:
        """Freeze the container's cgroup through the runtime (runc pause), as containerd's Pause."""
        with self.lock:
            init = self._process("")
            if init.state.status is not Status.RUNNING:
                raise Conflict(f"cannot pause a {init.state.status.value} task")
            self.runtime.pause(self.id)
            init.state.transition(Status.PAUSED)
        return {}

    def resume(self, req: dict) -> dict:
        with self.lock:
            init = self._process("")
            if init.state.status is not Status.PAUSED:
                raise Conflict(f"cannot resume a {init.state.status.value} task")
            self.runtime.resume(self.id)
            init.state.transition(Status.RUNNING)
        return {}

    def update(self, req: dict) -> dict:
        """New linux.resources for the live container (runc update --resources), as containerd's Update."""
        resources = req.get("resources")
        if not isinstance(resources, dict):
            raise InvalidArgument("update: resources must be a linux.resources object")
        with self.lock:
            init = self._process("")
            if init.state.status not in (Status.RUNNING, Status.PAUSED):
                raise Conflict(f"cannot update a {init.state.status.value} task")
            self.runtime.update(self.id, resources)
        return {}

    def resize(self, req: dict) -> dict:
        proc = self._process(req.get("exec_id"))
        if proc.io.console_fd < 0:
            raise Conflict("the process has no terminal")
        resize(proc.io.console_fd, int(req.get("width", 80)), int(req.get("height", 24)))
        return {}

    def close_io(self, req: dict) -> dict:
        proc = self._process(req.get("exec_id"))
        if req.get("stdin", True):
            proc.io.close_stdin()
        return {}

    def pids(self, req: dict) -> dict:
        self._process("")
        return {"pids": cgroup.procs(self.cgroups)}

    def delete(self, req: dict) -> dict:
        with self.lock:
            proc = self._process(req.get("exec_id"))
            status = proc.state.status
            if status in (Status.RUNNING, Status.PAUSED):
                raise Conflict(f"cannot delete a running {'exec' if proc.state.exec_id else 'task'}: stop it first")
            if proc is not self.init:
                proc.state.transition(Status.DELETED)
                proc.io.close()
                del self.execs[proc.state.exec_id]
                return proc.state.exit_info()
            if status is not Status.DELETED:
                phases = trace.Phases("delete: ")
                target = os.path.join(self.bundle, "rootfs")
                # The init has exited, and with it its pid namespace: nothing uses the rootfs any more, so it is
                # unmounted while the runtime deletes the container (its cgroups and state), unless poststop
                # hooks (run by that delete) may still look at it (containerd's shim unmounts after runc delete).
                # A created init is killed by the delete first.
                unmounting = _Background(rootfs.unmount_all, target) \
                    if status is Status.STOPPED and self.unmount_early else None
                try:
                    self.runtime.delete(self.id, force=status is Status.CREATED)
                finally:
                    if unmounting is not None:
                        unmounting.join()  # its error, if any, is this delete's
                proc.state.exited(137)  # a created init never ran: killed, as runc delete --force does
                proc.io.drain()
                proc.io.close()
                for other in self.execs.values():  # an exec never started must not keep a waiter blocked
                    other.state.exited(137)
                    other.state.transition(Status.DELETED)
                    other.io.close()
                if self.log:
                    self.log.close()
                phases.mark("runtime delete, stdio closed")
                if unmounting is None:
                    rootfs.unmount_all(target)
                phases.mark("rootfs unmounted")
                proc.state.transition(Status.DELETED)
            self.finished.set()
            return proc.state.exit_info()

    def shutdown(self, req: dict) -> dict:
        if self.init is not None and self.init.state.status is not Status.DELETED and not req.get("force"):
            raise Conflict(f"task {self.id} still exists: delete it first")
        self.finished.set()
        return {}

    def ping(self, req: dict) -> dict:
        return {"pid": os.getpid()}

    METHODS = ("create", "start", "state", "kill", "wait", "exec", "resize", "close_io", "pids", "delete",
               "shutdown", "ping", "pause", "resume", "update")
