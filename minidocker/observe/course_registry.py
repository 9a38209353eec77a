"""The course's registry as a process of its own on a loopback port, and an engine pointed at it as its Docker Hub mirror (cf. Docker's daemon.json "registry-mirrors").

A chapter starts one with `start(workdir)`, stocks it with `eng("push", ...)`, and stops it with
`.stop()`. The registry's pid is written to <workdir>/registry.pid so that the next run stops a
registry an interrupted run left behind (only that one: its command line must be ours).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minidocker.observe.reuse import state_dir


def free_port() -> int:
    """A loopback TCP port nobody listens on now (the kernel's pick)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ours(pid: int, storage: Path) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"minidocker.registry" in argv and str(storage).encode() in argv


def _stop_pid(pid: int, timeout: float = 5.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "Z":
                break  # a zombie of ours: gone but for the wait
        except (OSError, IndexError):
            break
        time.sleep(0.05)
    else:
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)


@dataclass
class CourseRegistry:
    """A running `python -m minidocker.registry serve` (its storage under workdir/registry)."""

    proc: subprocess.Popen
    port: int
    workdir: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def catalog(self) -> list[str]:
        """The repositories it holds (GET /v2/_catalog)."""
        with urllib.request.urlopen(self.url + "/v2/_catalog", timeout=5) as resp:
            return json.load(resp).get("repositories", [])

    def stop(self) -> None:
        """Stop the registry process and delete its storage."""
        if self.proc.poll() is None:
            _stop_pid(self.proc.pid)
        self.proc.wait(timeout=10)
        (self.workdir / "registry.pid").unlink(missing_ok=True)
        shutil.rmtree(self.workdir / "registry", ignore_errors=True)


def stop_leftover(workdir: Path) -> None:
    """Stop the registry a previous run started from workdir, if it still runs."""
    pidfile = Path(workdir) / "registry.pid"
    try:
        pid = int(pidfile.read_text())
    except (OSError, ValueError):
        return
    if _ours(pid, Path(workdir) / "registry"):
        _stop_pid(pid)
    pidfile.unlink(missing_ok=True)


def start(workdir: str | Path, timeout: float = 20.0) -> CourseRegistry:
    """Start a fresh, empty registry on a free loopback port; wait until it answers GET /v2/."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    stop_leftover(workdir)
    storage = workdir / "registry"
    shutil.rmtree(storage, ignore_errors=True)
    for _ in range(5):  # the port may be taken between free_port() and the bind: try another
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "minidocker.registry", "serve", "--listen",
                                 f"127.0.0.1:{port}", "--root", str(storage)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        (workdir / "registry.pid").write_text(str(proc.pid))
        reg = CourseRegistry(proc, port, workdir)
        if _wait_ready(reg, timeout):
            return reg
        reg.stop()
    raise RuntimeError("the course registry did not start (see `python -m minidocker.registry serve --help`)")


def _wait_ready(reg: CourseRegistry, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and reg.proc.poll() is None:
        try:
            with urllib.request.urlopen(reg.url + "/v2/", timeout=1) as resp:
                return resp.status == 200
        except OSError:
            time.sleep(0.05)
    return False


def use_as_mirror(eng: Any, url: str | None) -> Path:
    """Write (or, with None, drop) the engine's registry mirror in <state>/daemon.json; dockerd reads it per pull."""
    path = state_dir(eng) / "daemon.json"
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        doc = {}
    if url:
        doc["registry-mirrors"] = [url]
    else:
        doc.pop("registry-mirrors", None)
    tmp = path.with_name(".daemon.json.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    os.replace(tmp, path)
    return path
