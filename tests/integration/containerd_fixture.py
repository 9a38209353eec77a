"""minicontainerd under a private MINIDOCKER_ROOT for the containerd and shim integration tests.

    from containerd_fixture import ctd, runtime   # noqa: F401  (pytest fixtures)

Teardown kills every shim and container process of the root, unmounts every mount under it and
removes its cgroups, even when the test failed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from minidocker import paths
from minidocker.containerd.client import ContainerdClient
from minidocker.containerd.types import IO
from minidocker.linux import mount as sys_mount
from minidocker.oci.defaults import default_spec

RUNTIMES = ["runc", "minirunc"]
ALL_RUNTIMES = RUNTIMES + (["crun"] if shutil.which("crun") else [])  # crun: the quick tests only


def poll(predicate, timeout: float = 20.0, what: str = "condition"):
    """Poll until predicate() is truthy (no sleeping for timing: a deadline)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class Containerd:
    """A running minicontainerd, its client, and helpers to make containers in it."""

    def __init__(self, root: Path, rootfs: Path) -> None:
        self.root = root
        self.rootfs = rootfs
        self.proc: subprocess.Popen | None = None
        self.client: ContainerdClient | None = None
        self.fifo_dir = root / "fifos"
        self.fifo_dir.mkdir()

    def start(self) -> None:
        log = open(self.root / "containerd.log", "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "minidocker.containerd.main"], stdout=log,
                                     stderr=subprocess.STDOUT, env=dict(os.environ, MINIDOCKER_ROOT=str(self.root)),
                                     start_new_session=True)
        sock = paths.containerd_socket()
        poll(lambda: sock.exists() or self.proc.poll() is not None, 60, "the containerd socket")
        assert self.proc.poll() is None, (self.root / "containerd.log").read_text()
        self.client = ContainerdClient(sock)
        assert self.client.ping(30)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.client:
            self.client.close()
            self.client = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)

    def fifos(self, name: str, stdin: bool = False) -> IO:
        io = IO()
        for stream in (["stdin"] if stdin else []) + ["stdout", "stderr"]:
            path = self.fifo_dir / f"{name}.{stream}"
            os.mkfifo(path)
            setattr(io, stream, str(path))
        return io

    def run(self, cid: str, args: list[str], runtime: str = "runc", io: IO | None = None, start: bool = True,
            terminal: bool = False, spec_changes=None) -> int:
        spec = default_spec(cid, args, terminal=terminal)
        spec["root"]["readonly"] = True  # the test rootfs is shared and bind-mounted read-only
        if spec_changes:
            spec_changes(spec)
        self.client.containers.create(cid, json.dumps(spec).encode(), runtime=runtime)
        rootfs = [{"type": "bind", "source": str(self.rootfs), "options": ["rbind", "ro"]}]
        pid = self.client.tasks.create(cid, rootfs, io or IO(terminal=terminal), str(self.log_path(cid)))
        if start:
            self.client.tasks.start(cid)
        return pid

    def log_path(self, cid: str) -> Path:
        return self.root / "logs" / f"{cid}-json.log"

    def shims(self) -> list[psutil.Process]:
        return [p for p in _processes_of(self.root) if p.info["name"] == "minidocker-shim"]


def _processes_of(root: Path) -> list[psutil.Process]:
    """Processes naming `root` on their command line (shims, daemons), never this test process or its parents."""
    me = psutil.Process()
    spare = {me.pid} | {p.pid for p in me.parents()}
    found = []
    for p in psutil.process_iter(["name", "cmdline"]):
        try:
            if p.pid not in spare and any(str(root) in arg for arg in (p.info["cmdline"] or [])):
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def _cgroup_dirs(instance: str) -> list[Path]:
    base = Path("/sys/fs/cgroup")
    return [d for d in list(base.glob(f"*/{instance}")) + [base / instance] if d.is_dir()]


def mounts_under(root: Path) -> list[str]:
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f if line.split()[4].startswith(str(root))]


def cleanup(root: Path) -> None:
    """Kill, unmount, remove: whatever a test left behind under `root`."""
    instance = paths.instance_name()
    victims = _processes_of(root)
    for d in _cgroup_dirs(instance):
        for procs in d.rglob("cgroup.procs"):
            try:
                victims += [psutil.Process(int(x)) for x in procs.read_text().split()]
            except (OSError, psutil.NoSuchProcess):
                continue
    for p in victims:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(victims, timeout=10)
    for target in sorted(mounts_under(root), key=len, reverse=True):
        try:
            sys_mount.umount(target, sys_mount.MNT_DETACH)
        except OSError:
            pass
    for d in _cgroup_dirs(instance):
        for sub in sorted((x for x in d.rglob("*") if x.is_dir()), key=lambda x: len(str(x)), reverse=True):
            try:
                sub.rmdir()
            except OSError:
                pass
        try:
            d.rmdir()
        except OSError:
            pass


@pytest.fixture
def ctd(md_root, busybox_rootfs_master):
    c = Containerd(md_root, busybox_rootfs_master)
    try:
        c.start()
        yield c
    finally:
        c.kill(signal.SIGTERM)
        cleanup(md_root)
