"""What an engine of ours left on the host (bench/ only): containers, shims and runtimes, rootfs mounts, veths
on its bridge, its iptables chains, its cgroups, its network namespace files. Counts, zero when clean.

`during()` is for a running engine after a burst (its containers, its processes, the ports of its bridge);
`after()` for once it was cleaned up (nothing of its instance may remain anywhere on the host).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path


def tag(root: Path) -> str:
    """The 8 hex of paths.instance_name() for this root (its bridge mdbr-TAG, chains MINIDOCKER-TAG)."""
    return hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:8]


def processes(root: Path) -> int:
    """Shims and runtimes started for this root (their environment names it)."""
    n = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                comm = Path(f"/proc/{entry}/comm").read_text().strip()
                environ = Path(f"/proc/{entry}/environ").read_bytes()
            except OSError:
                continue
            n += comm in ("minidocker-shim", "minirunc") and f"MINIDOCKER_ROOT={root}".encode() in environ
    return n


def rootfs_mounts(root: Path) -> int:
    return sum(1 for line in open("/proc/self/mountinfo") if f" {root}/" in line and "/rootfs " in line)


def veths(root: Path) -> int:
    """Ports still on the engine's bridge (each container's host end of its veth pair)."""
    brif = Path(f"/sys/class/net/mdbr-{tag(root)}/brif")
    return len(os.listdir(brif)) if brif.is_dir() else 0


def during(root: Path, env: dict[str, str], minidocker: str) -> dict[str, int]:
    containers = subprocess.run([minidocker, "ps", "-aq"], env=env, capture_output=True, text=True).stdout.split()
    return {"containers": len(containers), "shims and runtimes": processes(root),
            "container rootfs mounts": rootfs_mounts(root), "veths on its bridge": veths(root)}


def after(root: Path) -> dict[str, int]:
    t = tag(root)
    rules = subprocess.run(["iptables-save"], capture_output=True, text=True).stdout
    cgroups = sum(1 for ctrl in Path("/sys/fs/cgroup").iterdir() if (ctrl / f"minidocker-{t}").exists())
    return {"shims and runtimes": processes(root), "mounts": sum(1 for line in open("/proc/self/mountinfo")
                                                                 if f" {root}" in line),
            "bridge": int(Path(f"/sys/class/net/mdbr-{t}").exists()),
            "iptables lines": sum(1 for line in rules.splitlines() if f"MINIDOCKER-{t}" in line),
            "cgroups": cgroups, "state dir": int(root.exists())}
