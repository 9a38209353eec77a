"""The task manager: one shim per running container, found again after a restart (cf. containerd
core/runtime/v2/manager.go and plugins/services/tasks/local.go).

Lifecycle of a task, each step one call to the container's shim:
    create  (bundle made, shim started, rootfs mounted and `runtime create` run by the shim)
    start   (`runtime start`: the container's process runs)
    kill / wait / exec / pids / resize / close_io, as often as needed
    delete  (`runtime delete`, rootfs unmounted; the shim exits and the bundle is removed)
containerd holds no other state: everything it knows about a task it asks the shim, so a restart
(or SIGKILL) of containerd loses nothing; `reconnect()` re-reads the shims' addresses from disk.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import select
import threading
import time
from pathlib import Path

from .. import errors, paths, trace
from ..errors import Conflict, NotFound, RuntimeFailure
from ..linux.removeall import remove_all_quietly
from ..shim import protocol
from ..shim.rootfs import is_mounted, unmount_all
from . import runtimes, shims
from .metadata import ContainerStore
from .shims import ShimRef
from .types import IO, ExitStatus, TaskState

log = logging.getLogger("minicontainerd.tasks")

LOST_SHIM_STATUS = 255  # what a task whose shim vanished reports: its real status died with the shim


def _error(err: protocol.ShimError) -> errors.MinidockerError:
    """A shim's error answer as the errors.py class it names."""
    cls = getattr(errors, err.kind, None)
    if not (isinstance(cls, type) and issubclass(cls, errors.MinidockerError)):
        cls = RuntimeFailure
    return cls(str(err))


class TaskManager:
    def __init__(self, containers: ContainerStore, run_dir: Path | None = None) -> None:
        self.containers = containers
        self.run_dir = Path(run_dir or paths.run_dir())
        self.tasks_dir = self.run_dir / "containerd" / "tasks"
        self.tasks_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "s").mkdir(parents=True, exist_ok=True)
        self.shims: dict[str, ShimRef] = {}
        self.lost: set[str] = set()  # tasks whose shim is gone
        self._creating: set[str] = set()  # ids whose shim is being started
        self._lock = threading.Lock()

    # -- finding shims --
    def reconnect(self) -> int:
        """Adopt every shim recorded on disk that still answers; returns how many."""
        for ref in shims.load(self.tasks_dir):
            self.shims[ref.id] = ref
            if not ref.alive():
                self.lost.add(ref.id)
                continue
            try:
                ref.call("ping", timeout=5)
            except (OSError, protocol.ShimError):
                self.lost.add(ref.id)
        for container_id in sorted(self.shims):
            ref = self.shims[container_id]
            what = "its shim is gone" if container_id in self.lost else f"shim pid {ref.pid} re-adopted"
            log.info("task %s: %s", container_id[:12], what)
        return len(self.shims) - len(self.lost)

    def _shim(self, container_id: str) -> ShimRef:
        ref = self.shims.get(container_id)
        if ref is None:
            raise NotFound(f"no running task found: task {container_id} not found")
        return ref

    def _call(self, container_id: str, method: str, timeout: float | None = 60.0, **args) -> dict:
        ref = self._shim(container_id)
        if container_id in self.lost:
            raise RuntimeFailure(f"task {container_id}: its shim is gone (status lost)")
        try:
            return ref.call(method, timeout=timeout, **args)
        except protocol.ShimError as err:
            raise _error(err) from None
        except (ConnectionError, FileNotFoundError) as err:
            if not ref.alive():
                self.lost.add(container_id)
            raise RuntimeFailure(f"task {container_id}: shim unreachable: {err}") from None

    # -- the API --
    def create(self, container_id: str, rootfs: list[dict], io: IO, log_path: str = "") -> int:
        phases = trace.Phases("task create: ")
        container = self.containers.get(container_id)
        runtime = runtimes.resolve(container.runtime)
        bundle = self.tasks_dir / container_id
        with self._lock:  # reserve the id; the slow part (starting the shim) runs unlocked, in parallel
            if container_id in self.shims or container_id in self._creating:
                raise Conflict(f"task {container_id}: already exists")
            self._creating.add(container_id)
        try:
            self._remove_bundle(bundle)
            bundle.mkdir(parents=True)
            ref = shims.start(container_id, str(bundle), str(self.run_dir))
        except BaseException:
            with self._lock:
                self._creating.discard(container_id)
            self._remove_bundle(bundle)
            raise
        with self._lock:
            self._creating.discard(container_id)
            self.shims[container_id] = ref
        phases.mark("bundle, shim (forked by the spare)")
        try:
            answer = ref.call("create", timeout=120, id=container_id, bundle=str(bundle),
                              spec=json.loads(container.spec or b"{}"), rootfs=rootfs, runtime=runtime,
                              runtime_root=runtimes.root_for(runtime), runtime_command=runtimes.command_for(runtime),
                              io=io.to_dict(), log_path=log_path)
        except BaseException as err:
            self._discard(container_id, ref)
            if isinstance(err, protocol.ShimError):
                raise _error(err) from None
            raise
        phases.mark("shim's create")
        log.info("task %s: created by %s (shim pid %d, init pid %d)", container_id[:12],
                 os.path.basename(runtime), ref.pid, answer["pid"])
        return int(answer["pid"])

    def _discard(self, container_id: str, ref: ShimRef) -> None:
        """Undo a failed create: stop the shim, forget it, remove its bundle."""
        try:
            ref.call("shutdown", timeout=10, force=True)
        except (OSError, protocol.ShimError):
            pass
        self._await_exit(ref)
        with self._lock:
            self.shims.pop(container_id, None)
            self.lost.discard(container_id)
        self._remove_bundle(Path(ref.bundle))

    @staticmethod
    def _await_exit(ref: ShimRef, deadline_s: float = 5.0) -> None:
        """The shim exits right after answering delete/shutdown: wait for that (it is not our child). A
        pidfd becomes readable when its process exits, so no polling; a pid already gone (or reused by
        another program: alive() checks the name) is no wait at all."""
        try:
            fd = os.pidfd_open(ref.pid)
        except OSError:  # no such process; or a kernel without pidfd_open (< 5.3): poll below
            fd = -1
        if fd >= 0:
            try:
                if ref.alive():
                    select.select([fd], [], [], deadline_s)
            finally:
                os.close(fd)
            return
        deadline = time.monotonic() + deadline_s
        while ref.alive() and time.monotonic() < deadline:
            time.sleep(0.01)

    def _remove_bundle(self, bundle: Path) -> None:
        """Remove a bundle directory; never through a rootfs that is still mounted (that is the image's data)."""
        if not bundle.exists():
            return
        rootfs = bundle / "rootfs"
        if is_mounted(str(rootfs)):
            unmount_all(str(rootfs))
            if is_mounted(str(rootfs)):
                raise RuntimeFailure(f"{rootfs} is still mounted; not removing the bundle")
        remove_all_quietly(bundle)

    def start(self, container_id: str, exec_id: str = "") -> int:
        return int(self._call(container_id, "start", timeout=120, exec_id=exec_id)["pid"])

    def kill(self, container_id: str, signal: int = 15, exec_id: str = "", all: bool = False) -> None:
        self._call(container_id, "kill", exec_id=exec_id, signal=signal, all=all)

    def wait(self, container_id: str, exec_id: str = "") -> ExitStatus:
        if container_id in self.lost and container_id in self.shims:
            return ExitStatus(exit_status=LOST_SHIM_STATUS)
        return ExitStatus(**self._call(container_id, "wait", timeout=None, exec_id=exec_id))

    def delete(self, container_id: str, exec_id: str = "") -> ExitStatus:
        ref = self._shim(container_id)
        if exec_id:
            return ExitStatus(**self._call(container_id, "delete", exec_id=exec_id))
        if container_id in self.lost:
            self._cleanup_lost(container_id, ref)
            return ExitStatus(exit_status=LOST_SHIM_STATUS)
        phases = trace.Phases("task delete: ")
        status = ExitStatus(**self._call(container_id, "delete", timeout=120))
        phases.mark("shim's delete")
        self._await_exit(ref)
        phases.mark("shim exited")
        with self._lock:
            self.shims.pop(container_id, None)
        self._remove_bundle(Path(ref.bundle))
        phases.mark("bundle removed")
        log.info("task %s: deleted (exit status %d)", container_id[:12], status.exit_status)
        return status

    def _cleanup_lost(self, container_id: str, ref: ShimRef) -> None:
        """A shim died (killed by hand?): do its clean-up ourselves, as containerd's cleanupAfterDeadShim."""
        try:
            binary = runtimes.resolve(self.containers.get(container_id).runtime)
            import subprocess

            subprocess.run([binary, "--root", runtimes.root_for(binary), "delete", "--force", container_id],
                           capture_output=True, timeout=60)
        except (errors.MinidockerError, OSError):
            pass
        with self._lock:
            self.shims.pop(container_id, None)
            self.lost.discard(container_id)
        try:
            os.unlink(ref.address)
        except OSError as err:
            if err.errno != errno.ENOENT:
                raise
        self._remove_bundle(Path(ref.bundle))

    def exec(self, container_id: str, exec_id: str, process: bytes, io: IO) -> None:
        try:
            spec = json.loads(process)
        except ValueError as err:
            raise errors.InvalidArgument(f"exec {exec_id}: process is not valid JSON: {err}") from None
        self._call(container_id, "exec", exec_id=exec_id, process=spec, io=io.to_dict())

    def get(self, container_id: str, exec_id: str = "") -> TaskState:
        ref = self._shim(container_id)
        if container_id in self.lost:
            return TaskState(container_id, exec_id, "stopped", 0, LOST_SHIM_STATUS, 0, False, ref.address, ref.pid)
        state = self._call(container_id, "state", exec_id=exec_id)
        return TaskState(container_id=container_id, exec_id=exec_id, status=state["status"], pid=state["pid"],
                         exit_status=state["exit_status"], exited_at_ns=state["exited_at_ns"],
                         oom_killed=state["oom_killed"], shim_socket=ref.address, shim_pid=ref.pid)

    def list(self) -> list[TaskState]:
        found = []
        for container_id in sorted(self.shims):
            try:
                found.append(self.get(container_id))
            except (NotFound, RuntimeFailure):
                continue
        return found

    def resize(self, container_id: str, width: int, height: int, exec_id: str = "") -> None:
        self._call(container_id, "resize", exec_id=exec_id, width=width, height=height)

    def close_io(self, container_id: str, exec_id: str = "", stdin: bool = True) -> None:
        self._call(container_id, "close_io", exec_id=exec_id, stdin=stdin)

    def pause(self, container_id: str) -> None:
        self._call(container_id, "pause")

    def resume(self, container_id: str) -> None:
        self._call(container_id, "resume")

    def update(self, container_id: str, resources: bytes) -> None:
        try:
            value = json.loads(resources)
        except ValueError as err:
            raise errors.InvalidArgument(f"update {container_id}: resources are not valid JSON: {err}") from None
        self._call(container_id, "update", resources=value)

    def pids(self, container_id: str) -> list[int]:
        return list(self._call(container_id, "pids")["pids"])
