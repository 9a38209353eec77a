"""Differential testing: the same real docker CLI against minidockerd and against Debian's real dockerd 20.10.

    from diff_docker_fixture import pair, norm   # noqa: F401  (module-scoped fixture)

    def test_x(pair):
        real, mini = pair.both("run", "--rm", "--network", "none", "busybox", "echo", "hi")
        assert (mini.returncode, mini.stdout) == (real.returncode, real.stdout)

The real dockerd runs only inside the fixture: its own --data-root, --exec-root, socket and pidfile under a
short /tmp path, no bridge, no iptables. busybox comes from `docker save` of the minidocker engine, loaded into
the real one, so both daemons hold the very same image. Teardown removes every container of the real daemon,
kills its process group and any shim of its containerd, unmounts and removes its directories, even on failure.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from engine_fixture import Engine
from minidocker.course import kill_until_gone

DOCKER = shutil.which("docker") or "/usr/local/bin/docker"


class RealDockerd:
    """Debian's dockerd 20.10 on a private socket, with everything it makes under one /tmp directory."""

    def __init__(self) -> None:
        # unix socket paths are limited to 108 bytes: keep the base short.
        self.base = Path(tempfile.mkdtemp(prefix="mdd-", dir="/tmp"))
        self.sock = self.base / "d.sock"
        self.env = dict(os.environ, DOCKER_CONFIG=str(self.base / "cfg"))
        for key in ("DOCKER_HOST", "DOCKER_CONTEXT", "MINIDOCKER_ROOT"):
            self.env.pop(key, None)
        self.proc: subprocess.Popen | None = None
        # Its own cgroup parent (not the shared /docker), so teardown can remove exactly what it made.
        self.cgroup_parent = "/" + self.base.name

    def start(self) -> "RealDockerd":
        self.proc = subprocess.Popen(
            ["dockerd", "--data-root", str(self.base / "data"), "--exec-root", str(self.base / "exec"),
             "-H", f"unix://{self.sock}", "--pidfile", str(self.base / "d.pid"), "--bridge=none",
             "--iptables=false", "--ip-masq=false", "--cgroup-parent", self.cgroup_parent],
            stdout=subprocess.DEVNULL, stderr=open(self.base / "log", "wb"), start_new_session=True)
        deadline = time.monotonic() + 90
        while self.docker("version").returncode != 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dockerd did not start: " + (self.base / "log").read_text()[-2000:])
            time.sleep(0.2)
        return self

    def docker(self, *args: str, input: bytes | str | None = None, timeout: float = 60,
               env: dict | None = None, cwd: str | None = None) -> subprocess.CompletedProcess:
        return _run([DOCKER, "-H", f"unix://{self.sock}", *args], dict(self.env, **(env or {})), input, timeout, cwd)

    def _own_pids(self) -> set[int]:
        """dockerd, its containerd, shims and containers: all name our base on their command line."""
        found = set()
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                cmd = open(f"/proc/{entry}/cmdline", "rb").read().decode(errors="replace")
            except OSError:
                continue
            if str(self.base) in cmd:
                found.add(int(entry))
        return found

    def teardown(self) -> None:
        networks: list[str] = []
        if self.proc is not None and self.proc.poll() is None:
            try:  # containers first, so dockerd stops their shims itself
                ids = self.docker("ps", "-aq", timeout=30).stdout.split()
                if ids:
                    self.docker("rm", "-f", *ids, timeout=60)
                # then the networks a test made: their bridges (br-<id>) live in the host's namespace, and
                # outlive a dockerd stopped with them still defined
                networks = self.docker("network", "ls", "-q", "--no-trunc", "--filter", "type=custom",
                                       timeout=30).stdout.split()
                if networks:
                    self.docker("network", "rm", *networks, timeout=60)
            except subprocess.TimeoutExpired:
                pass  # the kill loop below still finds them
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        def left() -> set[int]:
            pids = self._own_pids()
            if self.proc is not None and self.proc.poll() is None:
                pids.add(self.proc.pid)
            return pids

        kill_until_gone(left, rounds=5)
        if self.proc is not None:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        for _ in range(3):
            mine = [line.split()[4] for line in open("/proc/self/mountinfo")]
            mine = sorted((m for m in mine if m.startswith(str(self.base))), key=len, reverse=True)
            if not mine:
                break
            for target in mine:
                subprocess.run(["umount", "-l", target], capture_output=True)
        self._remove_cgroups()
        for network in networks:  # what `network rm` could not take (still in use when dockerd was killed)
            subprocess.run(["ip", "link", "del", f"br-{network[:12]}"], capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)

    def _remove_cgroups(self) -> None:
        for top in Path("/sys/fs/cgroup").iterdir():
            mine = top / self.cgroup_parent.lstrip("/")
            if not mine.is_dir():
                continue
            for sub in sorted((p for p in mine.rglob("*") if p.is_dir()), key=lambda p: len(str(p)), reverse=True):
                try:
                    sub.rmdir()
                except OSError:
                    pass
            try:
                mine.rmdir()
            except OSError:
                pass


def _run(argv, env, input, timeout, cwd=None) -> subprocess.CompletedProcess:
    data = input.encode() if isinstance(input, str) else input
    out = subprocess.run(argv, env=env, input=data, capture_output=True, timeout=timeout, cwd=cwd,
                         stdin=None if data is not None else subprocess.DEVNULL)
    return subprocess.CompletedProcess(out.args, out.returncode, out.stdout.decode(errors="replace"),
                                       out.stderr.decode(errors="replace"))


class Pair:
    """Both daemons, one real docker CLI."""

    def __init__(self, engine: Engine, real: RealDockerd) -> None:
        self.engine = engine
        self.reald = real

    def real(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return self.reald.docker(*args, **kw)

    def mini(self, *args: str, input=None, timeout: float = 60, env: dict | None = None,
             cwd: str | None = None) -> subprocess.CompletedProcess:
        return _run([DOCKER, "-H", f"unix://{self.engine.socket}", *args], dict(self.engine.env, **(env or {})),
                    input, timeout, cwd)

    def both(self, *args: str, **kw) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
        return self.real(*args, **kw), self.mini(*args, **kw)


_ID64 = re.compile(r"\b[0-9a-f]{64}\b")
_ID12 = re.compile(r"\b[0-9a-f]{12}\b")
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
_AGO = re.compile(r"(Less than a second|About an? \w+|\d+ \w+?s?) ago")
_UP = re.compile(r"Up (Less than a second|About an? \w+|\d+ \w+)")
_SIZE = re.compile(r"\b\d+(\.\d+)?\s?(B|kB|KB|MB|GB|KiB|MiB|GiB)\b")


def norm(text: str) -> str:
    """Ids, timestamps, ages and sizes replaced by placeholders; column padding collapsed."""
    text = _ID64.sub("<ID>", text)
    text = _ID12.sub("<id>", text)
    text = _STAMP.sub("<TIME>", text)
    text = _AGO.sub("<AGO> ago", text)
    text = _UP.sub("Up <AGE>", text)
    text = _SIZE.sub("<SIZE>", text)
    return "\n".join(re.sub(r" {2,}", "  ", line.rstrip()) for line in text.splitlines())


def same(pair: "Pair", *args: str, input=None) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
    """Run on both daemons; exit code, normalised stdout and stderr must agree."""
    real, mini = pair.both(*args, input=input)
    assert mini.returncode == real.returncode, (args, real, mini)
    assert norm(mini.stdout) == norm(real.stdout), (args, real.stdout, mini.stdout)
    assert norm(mini.stderr) == norm(real.stderr), (args, real.stderr, mini.stderr)
    return real, mini


def poll(fn, timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory):
    """minidockerd and a real dockerd, both holding the same busybox; everything removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    if shutil.which("dockerd") is None:
        pytest.skip("docker.io (the real dockerd) is installed by the set-up")
    root = Path(tmp_path_factory.mktemp("diffengine")) / "mdroot"
    root.mkdir()
    engine = Engine(root)
    real = RealDockerd()
    try:
        engine.start()
        real.start()
        tar = root / "busybox.tar"
        saved = engine.docker("save", "-o", str(tar), "busybox")
        if saved.returncode != 0:
            raise RuntimeError("docker save busybox from minidockerd failed: " + saved.stderr)
        loaded = real.docker("load", "-i", str(tar))
        if loaded.returncode != 0:
            raise RuntimeError("docker load into the real dockerd failed: " + loaded.stderr)
        yield Pair(engine, real)
    finally:
        try:
            real.teardown()
        finally:
            engine.teardown()
