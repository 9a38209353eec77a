"""Beyond Docker: the real containerd (Debian's 1.6, `ctr`) pulls an image minidocker built and pushed to the course registry, and runs it.

The same pull a Kubernetes node's containerd makes. containerd runs here only for the test: its own
root, state, sockets and namespace, no CRI; a container's cgroup under a parent named for the test.
Afterwards only that containerd is stopped, its shims (found by its socket address) killed, its mounts
unmounted, its cgroups and runc's state folder of its namespace removed, even when the test failed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture
from minidocker.linux.mountall import unmount_all
from minidocker.registry.process import serve_in_background

pytestmark = [pytest.mark.root, pytest.mark.skipif(shutil.which("containerd") is None or shutil.which("ctr") is None,
                                                   reason="containerd and ctr come with docker.io (set-up)")]

CONFIG = """version = 2
root = "{base}/root"
state = "{base}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "{base}/c.sock"
[ttrpc]
  address = "{base}/c.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "{base}/opt"
"""


class Ctr:
    """A private containerd and `ctr` pointed at it, in a namespace of its own."""

    def __init__(self, base: Path) -> None:
        self.base, self.sock, self.namespace = base, base / "c.sock", f"mdreg{os.getpid()}"
        self.cgroup_parent = f"mdreg-{os.getpid()}"
        (base / "config.toml").write_text(CONFIG.format(base=base))
        with open(base / "log", "wb") as log:
            self.proc = subprocess.Popen(["containerd", "--config", str(base / "config.toml")], stdout=subprocess.DEVNULL,
                                         stderr=log, start_new_session=True)

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(["ctr", "--address", str(self.sock), "--namespace", self.namespace, *args],
                              capture_output=True, text=True, timeout=timeout)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while self("version").returncode != 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("containerd did not start: " + (self.base / "log").read_text()[-2000:])
            time.sleep(0.1)

    def teardown(self) -> None:
        for c in (self("containers", "ls", "-q").stdout.split() if self.proc.poll() is None else []):
            self("tasks", "kill", "-s", "SIGKILL", c)
            self("tasks", "delete", "-f", c)
            self("containers", "delete", c)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for p in psutil.process_iter(["cmdline"]):  # its shims: started by it, naming its socket
            if str(self.sock) in " ".join(p.info["cmdline"] or []):
                p.kill()
        mounts = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
        for target in reversed(mounts):
            if target.startswith(str(self.base) + "/"):
                unmount_all(target)
        for controller in Path("/sys/fs/cgroup").iterdir():
            parent = controller / self.cgroup_parent
            for folder in sorted(parent.rglob("*"), reverse=True) if parent.is_dir() else []:
                if folder.is_dir():
                    folder.rmdir()
            if parent.is_dir():
                parent.rmdir()
        shutil.rmtree(self.base, ignore_errors=True)
        runc_state = Path("/run/containerd/runc") / self.namespace  # the shim's runc keeps its state by namespace
        if runc_state.is_dir() and not any(runc_state.iterdir()):
            runc_state.rmdir()


@pytest.fixture
def ctr(tmp_path):
    base = Path("/tmp") / f"md-ctd-{os.getpid()}-{tmp_path.name[-8:]}"  # short: unix socket paths are limited
    base.mkdir(parents=True)
    c = Ctr(base)
    try:
        c.wait_ready()
        yield c
    finally:
        c.teardown()


def test_containerd_pulls_what_minidocker_built_and_pushed_and_runs_it(engine, ctr, tmp_path):
    registry = serve_in_background(tmp_path / "registry")
    try:
        context = tmp_path / "context"
        context.mkdir()
        (context / "Dockerfile").write_text('FROM busybox\nRUN echo "built by minidocker" > /greeting\n'
                                            'CMD ["cat", "/greeting"]\n')
        ref = f"{registry.address}/course/greeting:1"
        built = engine.cli("build", "-t", ref, str(context), timeout=180)
        assert built.returncode == 0, built.stderr
        pushed = engine.cli("push", ref)
        assert pushed.returncode == 0, pushed.stderr
        digest = pushed.stdout.splitlines()[-1].split("digest: ")[1].split()[0]

        pull = ctr("images", "pull", "--plain-http", ref)
        assert pull.returncode == 0, pull.stderr
        listed = ctr("images", "ls").stdout
        assert any(line.split()[0] == ref and digest in line.split() for line in listed.splitlines()), listed

        run = ctr("run", "--rm", "--fifo-dir", str(ctr.base / "fifo"), "--cgroup", f"/{ctr.cgroup_parent}/greeting",
                  ref, "greeting")
        assert run.returncode == 0, run.stderr
        assert run.stdout == "built by minidocker\n"  # the image's own CMD, from the config minidocker wrote

        again = f"{registry.address}/course/greeting-from-containerd:1"  # and containerd's push path back
        assert ctr("images", "tag", ref, again).returncode == 0
        push = ctr("images", "push", "--plain-http", again)
        assert push.returncode == 0, push.stderr
        with urllib.request.urlopen(f"{registry.url}/v2/course/greeting-from-containerd/manifests/1", timeout=10) as resp:
            assert resp.headers["Docker-Content-Digest"] == digest  # the same bytes: the same image
    finally:
        registry.stop()
