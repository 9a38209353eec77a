"""The real containerd (Debian's 1.6, the engine of a Kubernetes node) on a private root, driven by its `ctr`, for chapter 04 and its test.

It runs only while asked: its own root, state, sockets, namespace and cgroup parent, no CRI plugin, so
it never meets the host's containerd or another one. `stop()` ends only it, its shims (found by its
socket address), unmounts what it mounted, removes its cgroups and runc's state folder of its namespace.
"""

from __future__ import annotations

import os
import shutil
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from ..linux.mountall import unmount_all

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


def available() -> bool:
    return shutil.which("containerd") is not None and shutil.which("ctr") is not None


class RealContainerd:
    """A private containerd and `ctr` pointed at it."""

    def __init__(self, base: Path, engine_root: Path | None = None) -> None:
        self.base, self.sock = base, base / "c.sock"
        self.rootless = os.geteuid() != 0
        self.holder = self._holder(engine_root)
        # containerd's namespace grammar: alphanumeric words joined by single '.', '_' or '-' (a temporary
        # directory's "_x" after "md-" would make "md-_x", which ctr refuses)
        self.namespace = self.cgroup_parent = "md-" + "-".join(re.findall(r"[A-Za-z0-9]+", base.name))
        (base / "config.toml").write_text(CONFIG.format(base=base))
        with open(base / "log", "wb") as log:
            self.proc = subprocess.Popen(["containerd", "--config", str(base / "config.toml")], stdout=subprocess.DEVNULL,
                                         stderr=log, start_new_session=True, preexec_fn=self._enter(daemon=True))

    def _holder(self, engine_root: Path | None) -> int | None:
        """As an ordinary user, containerd and ctr run as root of a rootless engine's user namespace (as rootless
        containerd runs in rootlesskit's): the pid that holds it."""
        if not self.rootless:
            return None
        from ..rootless import enter

        if engine_root is None:
            raise RuntimeError("an ordinary user's containerd needs a rootless engine's user namespace: give engine_root")
        return enter.holder_of(engine_root)

    def _enter(self, daemon: bool = False):
        """preexec_fn into that namespace: containerd's shims' runc keeps state in a private /run/containerd;
        ctr mounts an image's snapshot to read its /etc/passwd, which only root of that namespace may."""
        if self.holder is None:
            return None
        from ..rootless import enter

        run = "/run/containerd" if os.path.isdir("/run/containerd") else "/run"
        return enter.preexec(self.holder, private=(run,) if daemon else ())

    def ctr(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(["ctr", "--address", str(self.sock), "--namespace", self.namespace, *args],
                              capture_output=True, text=True, timeout=timeout, preexec_fn=self._enter())

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.ctr("version").returncode != 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("containerd did not start: " + (self.base / "log").read_text()[-2000:])
            time.sleep(0.1)

    def pull(self, ref: str) -> str:
        """`ctr images pull --plain-http` (the course registry is plain HTTP on loopback); the manifest digest it got."""
        done = self.ctr("images", "pull", "--plain-http", ref)
        if done.returncode != 0:
            raise RuntimeError(f"ctr images pull {ref}: {done.stderr.strip()}")
        for line in self.ctr("images", "ls").stdout.splitlines()[1:]:
            fields = line.split()
            if fields and fields[0] == ref:
                return next(f for f in fields if f.startswith("sha256:"))
        raise RuntimeError(f"containerd does not list {ref} after pulling it")

    def run(self, ref: str, name: str, *command: str) -> str:
        """`ctr run --rm`: the container's output (its image's CMD when no command is given)."""
        # rootless: no cgroup is delegated here, and ctr's "" (no cgroup path) is what lets runc skip the ones
        # it may not make (runc ignores EACCES in a user namespace only for a container without a cgroup path)
        # (and ctr's default --cpu-shares 1024 would be a limit: 0 leaves it out)
        cgroup = ["--cgroup", "", "--cpu-shares", "0"] if self.rootless else ["--cgroup", f"/{self.cgroup_parent}/{name}"]
        done = self.ctr("run", "--rm", "--fifo-dir", str(self.base / "fifo"), *cgroup, ref, name, *command)
        if done.returncode != 0:
            raise RuntimeError(f"ctr run {ref}: {done.stderr.strip()}")
        return done.stdout

    def stop(self) -> None:
        import psutil

        if self.proc.poll() is None:
            for c in self.ctr("containers", "ls", "-q").stdout.split():
                self.ctr("tasks", "kill", "-s", "SIGKILL", c)
                self.ctr("tasks", "delete", "-f", c)
                self.ctr("containers", "delete", c)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for p in psutil.process_iter(["cmdline"]):  # its shims: started by it, naming its socket
            if str(self.sock) in " ".join(p.info["cmdline"] or []):
                p.kill()
        if self.rootless:  # its mounts went with its own mount namespace; it made no cgroup, no state in /run.
            # Unpacked layers hold files of the user's subordinate ids: only root of the namespace removes them.
            try:
                subprocess.run(["rm", "-rf", "--one-file-system", str(self.base)], preexec_fn=self._enter(), timeout=120)
            except (OSError, subprocess.SubprocessError):  # the engine (its namespace) is gone: what we can, below
                pass
            shutil.rmtree(self.base, ignore_errors=True)
            return
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


def start(engine_root: Path | None = None) -> RealContainerd:
    """A fresh containerd under /tmp/md-ctd-XXXX (short: unix socket paths are limited), ready to answer; an
    ordinary user's in the user namespace of their rootless engine at engine_root."""
    base = Path(tempfile.mkdtemp(prefix="md-ctd-", dir="/tmp"))
    real = RealContainerd(base, engine_root)
    try:
        real.wait_ready()
    except BaseException:
        real.stop()
        raise
    return real


def pull_and_run(ref: str, engine_root: Path | None = None) -> tuple[str, str]:
    """Start a private containerd, pull ref from its registry, run it once, stop everything: (digest, output).
    An ordinary user names their rootless engine (engine_root): containerd runs in its user namespace."""
    if not available():
        raise RuntimeError("containerd is not installed here (it comes with Debian's docker.io: see the README's set-up)")
    real = start(engine_root)
    try:
        return real.pull(ref), real.run(ref, "chapter-run")
    finally:
        real.stop()
