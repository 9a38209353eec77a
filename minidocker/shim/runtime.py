"""Driving the OCI runtime's command line from the shim (cf. go-runc, used by containerd-shim-runc-v2).

    <runtime> --root R --log <bundle>/log.json --log-format json create --bundle B --pid-file P [--console-socket S] ID
    <runtime> ... start ID | kill [--all] ID SIG | delete [--force] ID | pause ID | resume ID
    <runtime> ... update --resources <bundle>/resources.json ID
    <runtime> ... exec --detach --pid-file P --process F [--console-socket S] ID

Commands are spawned with posix_spawn and their status collected through the shim's reaper,
so they never race with it. The runtime writes its errors to the json log, not to stderr: during
create, stderr is the container's.
"""

from __future__ import annotations

import json
import os
import signal

from .. import trace
from ..errors import NotFound, RuntimeFailure
from . import warm
from .reaper import Reaper

HYBRID_UNIFIED = "/sys/fs/cgroup/unified"
UNSHARE = "/usr/bin/unshare"


class Runtime:
    """One runtime binary with its state root, for one bundle."""

    def __init__(self, binary: str, root: str, bundle: str, reaper: Reaper, command: list[str] | None = None) -> None:
        self.binary = binary
        # How to start it: the binary itself, or (minirunc) an interpreter line given by containerd.
        self.command = list(command) if command else [binary]
        self.root = root
        self.bundle = bundle
        self.reaper = reaper
        self.log_path = os.path.join(bundle, "log.json")
        self.warm = warm.is_minirunc(self.command)  # forked from the shim, not exec()ed (shim/warm.py)

    def _run(self, args: list[str], fds: list[int] | None = None) -> None:
        """Run one runtime command to completion; RuntimeFailure with the runtime's own message if it fails."""
        argv = self._wrap([*self.command, "--root", self.root, "--log", self.log_path, "--log-format", "json", *args])
        null = -1
        if fds is None:
            null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
            fds = [null, null, null]
        try:
            start = os.path.getsize(self.log_path)
        except OSError:
            start = 0
        actions = [(os.POSIX_SPAWN_DUP2, fd, n) for n, fd in enumerate(fds)]
        try:
            if self.warm:
                pid = warm.spawn(argv[len(self.command):], fds)
            else:
                # Python ignores SIGPIPE; the runtime and the container must not inherit that.
                pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions,
                                     setsigdef=(signal.SIGPIPE, signal.SIGXFSZ))
        finally:
            if null >= 0:
                os.close(null)
        self.reaper.spawned()
        with trace.span(f"runtime {args[0]}"):
            code, _ = self.reaper.wait_for(pid)
        if code != 0:
            message = self._error_since(start) or f"exit status {code}"
            cls = NotFound if "container does not exist" in message else RuntimeFailure
            raise cls(f"{os.path.basename(self.binary)} {args[0]}: {message}")

    def _wrap(self, argv: list[str]) -> list[str]:
        """crun (1.8) refuses the hybrid cgroup layout (v1 controllers plus /sys/fs/cgroup/unified). Run it in a
        private mount namespace where the unified hierarchy is unmounted: it then sees plain cgroup v1, and
        the host's mounts are untouched (slave propagation: nothing flows back)."""
        if not os.path.basename(self.binary).startswith("crun") or not os.path.ismount(HYBRID_UNIFIED):
            return argv
        return [UNSHARE, "--mount", "--propagation", "slave", "--", "/bin/sh", "-c",
                f'umount -l {HYBRID_UNIFIED} && exec "$@"', "sh", *argv]

    def _error_since(self, offset: int) -> str:
        """The last error the runtime logged in this command (runc, crun and minirunc: {"level","msg"})."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return ""
        message = ""
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                message = line.strip() or message
                continue
            if isinstance(entry, dict) and entry.get("level") in ("error", "fatal", "panic"):
                message = str(entry.get("msg", "")) or message
        return message

    @staticmethod
    def _read_pid(path: str) -> int:
        with open(path) as f:
            return int(f.read().strip())

    def create(self, container_id: str, fds: list[int], console_socket: str = "") -> int:
        pid_file = os.path.join(self.bundle, "init.pid")
        args = ["create", "--bundle", self.bundle, "--pid-file", pid_file]
        if console_socket:
            args += ["--console-socket", console_socket]
        self._run(args + [container_id], fds)
        return self._read_pid(pid_file)

    def start(self, container_id: str) -> None:
        self._run(["start", container_id])

    def kill(self, container_id: str, signal: int, all_processes: bool = False) -> None:
        try:
            self._run(["kill"] + (["--all"] if all_processes else []) + [container_id, str(signal)])
        except RuntimeFailure as err:
            # The init exited a moment ago and its status is still on its way to us: containerd's answer.
            if "not running" in str(err) or "stopped" in str(err):
                raise NotFound("process already finished") from None
            raise

    def pause(self, container_id: str) -> None:
        self._run(["pause", container_id])

    def resume(self, container_id: str) -> None:
        self._run(["resume", container_id])

    def update(self, container_id: str, resources: dict) -> None:
        """runc update reads linux.resources from a file (go-runc hands it the same JSON)."""
        path = os.path.join(self.bundle, "resources.json")
        with open(path, "w") as f:
            json.dump(resources, f)
        try:
            self._run(["update", "--resources", path, container_id])
        finally:
            os.unlink(path)

    def delete(self, container_id: str, force: bool = False) -> None:
        self._run(["delete"] + (["--force"] if force else []) + [container_id])

    def exec(self, container_id: str, exec_id: str, process: dict, fds: list[int], console_socket: str = "") -> int:
        process_file = os.path.join(self.bundle, f"exec-{exec_id}.json")
        pid_file = os.path.join(self.bundle, f"exec-{exec_id}.pid")
        with open(process_file, "w") as f:
            json.dump(process, f)
        args = ["exec", "--detach", "--pid-file", pid_file, "--process", process_file]
        if console_socket:
            args += ["--console-socket", console_socket]
        try:
            self._run(args + [container_id], fds)
            return self._read_pid(pid_file)
        finally:
            for path in (process_file, pid_file):
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
