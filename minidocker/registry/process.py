"""The course registry as a background process on a free loopback port, for notebooks and tests (cf. `docker run -d -p 5000:5000 registry:2`)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningRegistry:
    """A registry process: its address (host:port, as image names use it), URL and storage."""

    proc: subprocess.Popen
    address: str
    root: Path

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def serve_in_background(root: Path, port: int = 0, timeout: float = 20.0) -> RunningRegistry:
    """Start `python -m minidocker.registry serve` on 127.0.0.1 and wait until /v2/ answers."""
    port = port or free_port()
    address = f"127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "minidocker.registry", "serve", "--listen", address,
                             "--root", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the registry exited: {proc.stderr.read().decode().strip()}")
        try:
            with urllib.request.urlopen(f"http://{address}/v2/", timeout=1):
                return RunningRegistry(proc, address, Path(root))
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"the registry did not answer on {address} within {timeout:.0f}s")
