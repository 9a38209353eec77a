"""Twenty containers started concurrently and removed leave no mount, cgroup, veth, shim, socket, FIFO or log behind."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine

pytestmark = pytest.mark.root

N = 20


def _instance(root: Path) -> str:
    import hashlib

    return "minidocker-" + hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:8]


def _leftovers(engine) -> dict[str, list[str]]:
    root = str(engine.root)
    lib, run = engine.root / "lib", engine.root / "run"
    mounts = [line.split()[4] for line in open("/proc/self/mountinfo")
              if line.split()[4].startswith(root + "/")]
    shims = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if comm == "minidocker-shim" and root in cmd:
            shims.append(pid)
    instance = _instance(engine.root)
    cgroups = [str(p) for top in Path("/sys/fs/cgroup").iterdir() if (top / instance).is_dir()
               for p in (top / instance).iterdir() if p.is_dir()]
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    bridge = "mdbr-" + instance[-8:]  # the networking service's bridge of a relocated root
    host_veths = [line for line in links.splitlines() if f"master {bridge} " in line]

    def entries(d: Path) -> list[str]:
        return sorted(p.name for p in d.iterdir()) if d.is_dir() else []

    return {"mounts": mounts, "shims": shims, "cgroups": cgroups, "veths": host_veths,
            "containers": entries(lib / "containers"), "fifos": entries(run / "containerd" / "fifo"),
            "shim sockets": entries(run / "s"), "tasks": entries(run / "containerd" / "tasks"),
            "netns": entries(run / "netns")}


def test_twenty_concurrent_containers_leave_nothing_behind(engine):
    before = _leftovers(engine)
    assert before["shims"] == [] and before["containers"] == []

    def run(i: int) -> str:
        return engine.docker("run", "-d", "--name", f"many{i}", "busybox", "sh", "-c", f"echo {i}; sleep 1000",
                             check=True, timeout=120).stdout.strip()

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(run, range(N)))
    assert len(set(ids)) == N
    during = _leftovers(engine)
    assert len(during["shims"]) == N and len(during["containers"]) == N and len(during["veths"]) == N
    running = engine.docker("ps", "-q", "--no-trunc", check=True).stdout.split()
    assert sorted(running) == sorted(ids)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda cid: engine.docker("rm", "-f", cid, check=True, timeout=120), ids))
    after = _leftovers(engine)
    assert after == {k: [] for k in after}, after
