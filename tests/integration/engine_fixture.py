"""A whole engine (minicontainerd + minidockerd) under a private MINIDOCKER_ROOT, for integration tests.

    from engine_fixture import engine          # noqa: F401  (a module-scoped pytest fixture)

    def test_x(engine):
        out = engine.docker("run", "--rm", "busybox", "echo", "hi")   # the real docker CLI, -H our socket
        out = engine.cli("ps", "-a")                                  # the minidocker CLI
        engine.restart_daemons(kill=True)                             # SIGKILL both, start again

Teardown kills every process of the root (daemons, shims, containers: found exactly by course_owners,
by pid files, cgroup, executable, working directory and mount namespace), unmounts every mount under the root, removes its cgroups, the
networking service's bridge and chains, and the root itself, even when the test failed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

DOCKER = shutil.which("docker") or "/usr/local/bin/docker"
PYTHON = sys.executable


def _wait_socket(path: Path, proc: subprocess.Popen, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        if path.exists():
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(str(path))
                return
            except OSError:
                pass
            finally:
                s.close()
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {path} within {timeout}s")


class Engine:
    def __init__(self, root: Path, runtime: str = "minirunc") -> None:
        self.root = Path(root)
        self.runtime = runtime
        self.socket = self.root / "run" / "minidocker.sock"
        self.env = dict(os.environ, MINIDOCKER_ROOT=str(self.root), DOCKER_CONFIG=str(self.root / "docker-config"),
                        DOCKER_HOST=f"unix://{self.socket}")
        self.env.pop("DOCKER_CONTEXT", None)
        self.containerd: subprocess.Popen | None = None
        self.dockerd: subprocess.Popen | None = None
        (self.root / "docker-config").mkdir(parents=True, exist_ok=True)
        self.logdir = self.root / "logs"
        self.logdir.mkdir(parents=True, exist_ok=True)

    # ---- daemons ----
    def start(self) -> "Engine":
        self.start_containerd()
        log = open(self.logdir / "dockerd.log", "ab")
        self.dockerd = subprocess.Popen([PYTHON, "-m", "minidocker.dockerd.main", "--runtime", self.runtime, "--debug"],
                                        env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait_socket(self.socket, self.dockerd, "minidockerd", timeout=60)
        return self

    def start_containerd(self) -> None:
        ctr_sock = self.root / "run" / "containerd.sock"
        log = open(self.logdir / "containerd.log", "ab")
        self.containerd = subprocess.Popen([PYTHON, "-m", "minidocker.containerd.main"], env=self.env,
                                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait_socket(ctr_sock, self.containerd, "minicontainerd")

    def kill_containerd(self) -> None:
        """SIGKILL containerd alone (dockerd stays up and must ride it out)."""
        if self.containerd is not None and self.containerd.poll() is None:
            self.containerd.kill()
            self.containerd.wait()

    def stop_daemons(self, kill: bool = False) -> None:
        for proc in (self.dockerd, self.containerd):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    def restart_daemons(self, kill: bool = False) -> None:
        self.stop_daemons(kill)
        self.start()

    def logs(self) -> str:
        return "".join(f"--- {p.name}\n{p.read_text(errors='replace')[-6000:]}" for p in sorted(self.logdir.glob("*.log")))

    # ---- clients ----
    def docker(self, *args: str, input: bytes | str | None = None, timeout: float = 60,
               check: bool = False) -> subprocess.CompletedProcess:
        """The real docker CLI against our socket; text output."""
        data = input.encode() if isinstance(input, str) else input
        out = subprocess.run([DOCKER, "-H", f"unix://{self.socket}", *args], env=self.env, input=data,
                             capture_output=True, timeout=timeout, stdin=None if data is not None else subprocess.DEVNULL)
        res = subprocess.CompletedProcess(out.args, out.returncode, out.stdout.decode(errors="replace"),
                                          out.stderr.decode(errors="replace"))
        if check and res.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} -> {res.returncode}\n{res.stdout}\n{res.stderr}\n{self.logs()}")
        return res

    def cli(self, *args: str, input: bytes | str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        """The minidocker CLI, as a learner runs it."""
        data = input.encode() if isinstance(input, str) else input
        out = subprocess.run([PYTHON, "-m", "minidocker.client.cli", *args], env=self.env, input=data,
                             capture_output=True, timeout=timeout, stdin=None if data is not None else subprocess.DEVNULL)
        return subprocess.CompletedProcess(out.args, out.returncode, out.stdout.decode(errors="replace"),
                                           out.stderr.decode(errors="replace"))

    def status(self, *args: str, timeout: float = 60) -> tuple[int, str]:
        """The minidocker CLI as (exit code, stdout + stderr): the shape minidocker.attacks and teach.Engine.status use."""
        res = self.cli(*args, timeout=timeout)
        return res.returncode, res.stdout + res.stderr

    def client(self):
        """A docker-py client on our socket."""
        import docker

        return docker.DockerClient(base_url=f"unix://{self.socket}", version="auto", timeout=60)

    # ---- teardown ----
    def teardown(self) -> None:
        """Kill the daemons, then everything of this root (shims, containers, mounts, cgroups, bridge, chains)."""
        from minidocker import course

        self.stop_daemons(kill=True)
        course.reset(self.root)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    """A running engine shared by the tests of one module; everything of it removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    root = Path(tmp_path_factory.mktemp("engine")) / "mdroot"
    root.mkdir()
    eng = Engine(root)
    try:
        eng.start()
    except Exception:
        logs = eng.logs()
        eng.teardown()
        raise RuntimeError("engine did not start:\n" + logs)
    try:
        yield eng
    finally:
        eng.teardown()
