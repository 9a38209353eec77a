"""`minidocker daemon start|stop|status`: minicontainerd then minidockerd in the background, no systemd (cf. containerd.service / docker.service ordering).

start is idempotent: a daemon whose socket already answers is left alone. Both are started with this
interpreter by absolute path (`sys.executable -m ...`), in their own session, logging to files under
paths.state_dir(); pid files live in paths.run_dir(). stop sends SIGTERM: containers keep running
(live restore re-adopts them at the next start).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from ... import paths

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any

START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


class Daemon:
    """One of the two daemons: how to start it, where its socket, pid file and log are."""

    def __init__(self, name: str, module: str, sock: Path, args: list[str]) -> None:
        self.name, self.module, self.sock, self.args = name, module, sock, args
        self.pidfile = paths.run_dir() / f"{name}.pid"
        self.logfile = paths.state_dir() / f"{name}.log"

    def pid(self) -> int | None:
        """The pid in the pid file, if that process is alive and really this daemon."""
        try:
            pid = int(self.pidfile.read_text().split()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            # A daemon killed but not yet reaped is a zombie: dead, whatever /proc still shows of it.
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return None
        except (OSError, ValueError, IndexError):
            return None
        comm = Path(f"/proc/{pid}/comm").read_text().strip() if Path(f"/proc/{pid}/comm").exists() else ""
        if self.module.encode() in cmdline or self.name.encode() in cmdline or comm == self.name[:15]:
            return pid
        return None

    def answers(self) -> bool:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(1.0)
        try:
            s.connect(str(self.sock))
            return True
        except OSError:
            return False
        finally:
            s.close()

    def spawn(self) -> subprocess.Popen:
        self.logfile.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        root = paths.root()
        if root is not None:  # daemons run from / (as dockerd does): a relative root must not move with them
            env[paths.ENV_ROOT] = str(root.resolve())
        with open(self.logfile, "ab") as log, open(os.devnull, "rb") as null:
            proc = subprocess.Popen([sys.executable, "-m", self.module, *self.args], stdin=null, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True, close_fds=True, cwd="/",
                                    env=env)
        self.pidfile.write_text(f"{proc.pid}\n")
        return proc

    def wait_ready(self, proc: subprocess.Popen) -> str | None:
        """None once the socket accepts connections; else why not (exit or time-out)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return f"{self.name} exited with status {proc.returncode}"
            if self.answers():
                return None
            time.sleep(0.05)
        return f"{self.name} did not answer on {self.sock} within {START_TIMEOUT:.0f}s"

    def wait_pid_ready(self, pid: int) -> bool:
        """A daemon already started (by a concurrent `daemon start`) may still be booting: give it time."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.answers():
                return True
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            time.sleep(0.05)
        return False

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def daemons(runtime: str | None = None) -> list[Daemon]:
    """In start order: containerd first, dockerd (which dials containerd at boot) second.
    dockerd's OCI runtime: --runtime, else $MINIDOCKER_RUNTIME, else its default (minirunc)."""
    runtime = runtime or os.environ.get("MINIDOCKER_RUNTIME")
    return [Daemon("minicontainerd", "minidocker.containerd.main", paths.containerd_socket(), []),
            Daemon("minidockerd", "minidocker.dockerd.main", paths.api_socket(),
                   ["--runtime", runtime] if runtime else [])]


def start_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runtime", help="OCI runtime for dockerd's containers (minirunc, runc, crun or a path)")


def _outside_rootless() -> bool:
    """An ordinary user outside their engine's namespaces: the daemons start through the launcher."""
    return os.geteuid() != 0 and not os.environ.get(paths.ENV_ROOTLESS)


def start(cli: Any, a: argparse.Namespace) -> int:
    if _outside_rootless():
        from ...rootless import launcher

        return launcher.start(cli.warn, lambda: _start(cli, a))
    return _start(cli, a)


def _start(cli: Any, a: argparse.Namespace) -> int:
    paths.run_dir().mkdir(parents=True, exist_ok=True)
    paths.state_dir().mkdir(parents=True, exist_ok=True)
    for d in daemons(a.runtime):
        pid = d.pid()
        if pid and (d.answers() or d.wait_pid_ready(pid)):  # running, or still booting: never start a second
            print(f"{d.name} already running (pid {pid}), socket {d.sock}")
            continue
        if pid:
            cli.warn(f"minidocker: {d.name} (pid {pid}) is running but does not answer on {d.sock}; "
                     f"stop it first (minidocker daemon stop)")
            return 1
        proc = d.spawn()
        problem = d.wait_ready(proc)
        if problem:
            cli.warn(f"minidocker: {problem}; its log ({d.logfile}) ends with:\n{d.log_tail()}")
            return 1
        print(f"{d.name} started (pid {proc.pid}), socket {d.sock}, log {d.logfile}")
    return 0


def stop_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-t", "--timeout", type=float, default=STOP_TIMEOUT, help="Seconds to wait before SIGKILL")


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # reap it when it is our child (it never is, but cheap)
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


def stop(cli: Any, a: argparse.Namespace) -> int:
    for d in reversed(daemons()):  # dockerd first: it is containerd's client
        pid = d.pid()
        if pid is None:
            print(f"{d.name} not running")
            continue
        os.kill(pid, signal.SIGTERM)
        if not _wait_gone(pid, a.timeout):
            os.kill(pid, signal.SIGKILL)
            _wait_gone(pid, 5.0)
            print(f"{d.name} (pid {pid}) killed after {a.timeout:.0f}s")
        else:
            print(f"{d.name} (pid {pid}) stopped")
        try:
            d.pidfile.unlink()
        except FileNotFoundError:
            pass
    if _outside_rootless():
        from ...rootless import launcher

        said = launcher.stop_holder()
        if said:
            print(said)
    return 0


def status_args(p: argparse.ArgumentParser) -> None:
    pass


def status(cli: Any, a: argparse.Namespace) -> int:
    up = True
    for d in daemons():
        pid = d.pid()
        ok = pid is not None and d.answers()
        up = up and ok
        state = f"running (pid {pid})" if ok else ("not answering (pid %d)" % pid if pid else "not running")
        print(f"{d.name}: {state}, socket {d.sock}")
    return 0 if up else 1
