"""Fixtures for the minirunc tests: bundles made by the real `runc spec`, both runtimes with their own
temporary --root, and a finalizer that leaves no container, cgroup or mount behind even on failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

MINIRUNC = str(Path(sys.executable).parent / "minirunc")
RUNTIMES = {"minirunc": MINIRUNC, "runc": "runc", "crun": "crun"}
# crun 1.8 refuses this host's hybrid cgroup layout unless /sys/fs/cgroup/unified is absent: each crun
# command runs in a private mount namespace of its own with that mount detached (the host is untouched),
# as bench/runc_run.py does.
CRUN = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
        'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"', "crun"]


def command(runtime: str) -> list[str]:
    """The argv prefix that starts `runtime` (crun through its private mount namespace)."""
    return CRUN if runtime == "crun" else [RUNTIMES[runtime]]


def make_bundle(where: Path, rootfs: Path, generator: str = "runc") -> Path:
    """A bundle whose config.json comes from `<generator> spec`, pointing at `rootfs`, terminal off."""
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run([RUNTIMES[generator], "spec"], cwd=where, check=True)
    configure(where, root=str(rootfs), terminal=False)
    return where


def configure(bundle: Path, args: list[str] | None = None, root: str | None = None, terminal: bool | None = None,
              memory: int | None = None, pids: int | None = None, swap: int | None = None) -> dict:
    """Edit config.json in place (a few fields, as a learner would); returns the new document."""
    path = bundle / "config.json"
    spec = json.loads(path.read_text())
    if args is not None:
        spec["process"]["args"] = args
    if root is not None:
        spec["root"]["path"] = root
    if terminal is not None:
        spec["process"]["terminal"] = terminal
    res = spec.setdefault("linux", {}).setdefault("resources", {})
    if memory is not None:
        res["memory"] = {"limit": memory, **({"swap": swap} if swap else {})}
    if pids is not None:
        res["pids"] = {"limit": pids}
    path.write_text(json.dumps(spec))
    return spec


class Runtimes:
    """Runs `minirunc` and `runc` with private state roots and remembers every id handed out."""

    def __init__(self, tmp: Path) -> None:
        self.roots = {name: tmp / f"{name}-root" for name in RUNTIMES}
        self.ids: list[str] = []

    def new_id(self, prefix: str = "t") -> str:
        cid = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.ids.append(cid)
        return cid

    def __call__(self, runtime: str, *args: str, timeout: float = 60, stdin=subprocess.DEVNULL,
                 pass_fds: tuple = ()) -> subprocess.CompletedProcess:
        """Output goes through files, not pipes: a created container's init inherits them and keeps
        them open, so reading a pipe to its end would wait for the container."""
        import tempfile

        argv = [*command(runtime), "--root", str(self.roots[runtime]), *args]
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            code = subprocess.run(argv, stdin=stdin, stdout=out, stderr=err, timeout=timeout, pass_fds=pass_fds).returncode
            out.seek(0)
            err.seek(0)
            return subprocess.CompletedProcess(argv, code, out.read().decode(), err.read().decode())

    def state(self, runtime: str, cid: str) -> dict:
        done = self(runtime, "state", cid)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def cleanup(self) -> None:
        for runtime in RUNTIMES:
            for cid in self.ids:
                if (self.roots[runtime] / cid).exists():
                    self(runtime, "delete", "--force", cid)
        for cid in self.ids:  # a cgroup a failed test left behind (both runtimes name it after the id)
            for path in cgroup_dirs(cid):
                try:
                    os.rmdir(path)
                except OSError:
                    pass


def cgroup_dirs(cid: str) -> list[str]:
    """Every cgroup directory named after a container id, in any hierarchy."""
    found = []
    for top, dirs, _ in os.walk("/sys/fs/cgroup"):
        if cid in dirs:
            found.append(os.path.join(top, cid))
        if top.count("/") > 7:
            dirs[:] = []
    return found


def mounts_mentioning(text: str) -> list[str]:
    with open("/proc/self/mountinfo") as f:
        return [line for line in f if text in line]


def processes_mentioning(text: str) -> list[int]:
    """Processes whose command line mentions `text` (a container id or a bundle path)."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if text.encode() in f.read():
                        found.append(int(name))
            except OSError:
                pass
    return found


@pytest.fixture
def runtimes(tmp_path: Path):
    r = Runtimes(tmp_path)
    yield r
    r.cleanup()


@pytest.fixture
def bundle(busybox_rootfs: Path, tmp_path: Path) -> Path:
    return make_bundle(tmp_path / "bundle", busybox_rootfs)
