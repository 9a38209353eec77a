"""Run a container straight through an OCI runtime on a bundle, no engine (cf. `runc spec` + `runc run`).

Chapters use this where the point is the runtime and the kernel, or until the engine is up: the
bundle is config.json from the runtime's own `spec` plus a copy of the busybox base image.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from minidocker import baseimage
from minidocker.linux import mount

MNT_DETACH = 2  # umount2(2): lazy unmount, so a busy tree never blocks clean-up


def overlay_rootfs(dest: Path, lower: Path) -> Path:
    """dest/rootfs as an overlay: the shared read-only base image below, this container's upperdir above."""
    for sub in ("upper", "work", "rootfs"):
        (dest / sub).mkdir(parents=True, exist_ok=True)
    opts = f"lowerdir={lower},upperdir={dest / 'upper'},workdir={dest / 'work'}"
    mount.mount("overlay", str(dest / "rootfs"), "overlay", 0, opts)
    return dest / "rootfs"


def remove_bundle(dest: Path) -> None:
    """Unmount an overlay rootfs if there is one, then delete the bundle."""
    if os.path.ismount(dest / "rootfs"):
        mount.umount(str(dest / "rootfs"), MNT_DETACH)
    shutil.rmtree(dest, ignore_errors=True)


def make_bundle(dest: Path, args: list[str], runtime: str = "runc", hostname: str = "container",
                memory: int | None = None, cgroup: str | None = None, overlay: bool = False) -> Path:
    """An OCI bundle in dest: rootfs (the base image: a hard-linked copy, or an overlay on it) and config.json."""
    dest.mkdir(parents=True, exist_ok=True)
    src = baseimage.ensure()
    if overlay:
        overlay_rootfs(dest, src)
    else:
        subprocess.run(["cp", "-al", str(src), str(dest / "rootfs")], check=True)
    subprocess.run([runtime, "spec"], cwd=dest, check=True, capture_output=True)
    config = json.loads((dest / "config.json").read_text())
    proc = config["process"]
    proc.update(terminal=False, args=list(args))
    proc.pop("rlimits", None)  # root here lacks CAP_SYS_RESOURCE: never ask above the caller's limits
    config["root"]["readonly"] = False
    config["hostname"] = hostname
    if cgroup:
        config["linux"]["cgroupsPath"] = cgroup
    if memory:
        res = config["linux"].setdefault("resources", {})
        res["memory"] = {"limit": memory, "swap": memory}
    (dest / "config.json").write_text(json.dumps(config, indent=2))
    return dest


@dataclass
class Result:
    """A finished container: its exit code and what it printed."""

    exit_code: int
    output: str


def run(args: list[str], runtime: str = "runc", memory: int | None = None, timeout: float = 60) -> Result:
    """Create, start and wait for one container (`runtime run`), then delete it and its bundle."""
    cid = "md-" + uuid.uuid4().hex[:12]
    tmp = Path(tempfile.mkdtemp(prefix="minidocker-bundle-"))
    try:
        bundle = make_bundle(tmp / "b", args, runtime, memory=memory, cgroup=f"/{cid}" if memory else None)
        proc = subprocess.run([runtime, "run", "--bundle", str(bundle), cid], capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    finally:
        subprocess.run([runtime, "delete", "--force", cid], capture_output=True)
        remove_bundle(tmp / "b")
        shutil.rmtree(tmp, ignore_errors=True)
    return Result(proc.returncode, proc.stdout + proc.stderr)


@dataclass
class Detached:
    """A container left running (`runtime run -d`); stop() kills and deletes it."""

    cid: str
    pid: int
    runtime: str
    tmp: Path

    @property
    def rootfs(self) -> Path:
        return self.tmp / "b" / "rootfs"

    def stop(self) -> None:
        subprocess.run([self.runtime, "kill", self.cid, "KILL"], capture_output=True)
        subprocess.run([self.runtime, "delete", "--force", self.cid], capture_output=True)
        remove_bundle(self.tmp / "b")
        shutil.rmtree(self.tmp, ignore_errors=True)


def start(args: list[str], runtime: str = "runc", overlay: bool = False) -> Detached:
    """Start a long-running container in the background and return its id and host PID."""
    cid = "md-" + uuid.uuid4().hex[:12]
    tmp = Path(tempfile.mkdtemp(prefix="minidocker-bundle-"))
    bundle = make_bundle(tmp / "b", args, runtime, overlay=overlay)
    try:
        # The container inherits these: pipes would keep us waiting for EOF, so give it /dev/null.
        subprocess.run([runtime, "run", "--detach", "--bundle", str(bundle), cid], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        state = json.loads(subprocess.run([runtime, "state", cid], check=True, capture_output=True).stdout)
    except Exception:
        Detached(cid, 0, runtime, tmp).stop()
        raise
    return Detached(cid, state["pid"], runtime, tmp)
