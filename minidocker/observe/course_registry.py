"""The course's registry as a process of its own on a loopback port, and an engine pointed at it as its Docker Hub mirror (cf. Docker's daemon.json "registry-mirrors").

A chapter starts one with `start(workdir)`, stocks it with `eng("push", ...)`, and stops it with
`.stop()`. The registry runs as `python -m minidocker.observe.course_registry --parent PID serve ...`:
`minidocker registry serve` plus a watchdog that ends it when the notebook's kernel (its parent) is
gone, so a kernel killed mid-chapter leaves no registry behind. Its pid is also written to
<workdir>/registry.pid, and the next run stops a registry left running there (only that one: its
command line must be ours).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minidocker.observe.reuse import state_dir
from minidocker.registry.process import free_port  # noqa: F401 - chapters call course_registry.free_port

MODULE = "minidocker.observe.course_registry"




def _ours(pid: int, storage: Path) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return MODULE.encode() in argv and str(storage).encode() in argv


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
        proc = subprocess.Popen([sys.executable, "-m", MODULE, "--parent", str(os.getpid()), "serve", "--listen",
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


def _watch_parent(parent: int) -> None:
    """End this process when `parent` is gone (reparented: getppid() changes)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    """`--parent PID serve ARGS...`: the registry's own command line, under a watchdog on PID."""
    import threading

    from minidocker.registry.__main__ import main as registry_main

    args = sys.argv[1:] if argv is None else argv
    if len(args) < 3 or args[0] != "--parent" or not args[1].isdigit():
        print(f"usage: python -m {MODULE} --parent PID serve [--listen ADDR:PORT] [--root DIR]", file=sys.stderr)
        return 2
    threading.Thread(target=_watch_parent, args=(int(args[1]),), daemon=True).start()
    return registry_main(args[2:])


if __name__ == "__main__":
    sys.exit(main())
