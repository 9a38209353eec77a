"""CPU time of a process tree for benchmarks: a private cgroup v1 `cpuacct` group (or a v2 group) that a
daemon joins before it execs, so every process it forks (containerd, shims, runtimes) is counted in it.

Only bench/ uses it; the group is named after the bench's pid and removed by close().
"""

from __future__ import annotations

import os
import time
from pathlib import Path

V1 = Path("/sys/fs/cgroup/cpuacct")
V2 = Path("/sys/fs/cgroup")


class CpuGroup:
    def __init__(self, name: str) -> None:
        if (V1 / "cpuacct.usage").exists():
            self.path, self.v2 = V1 / f"{name}-{os.getpid()}", False
        else:
            self.path, self.v2 = V2 / f"{name}-{os.getpid()}", True
        self.path.mkdir(exist_ok=True)

    def join(self) -> None:
        """Move the calling process into the group (a Popen preexec_fn: its exec and children follow)."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def seconds(self) -> float:
        """CPU seconds used by the group's processes so far (exited ones included)."""
        if not self.v2:
            return int((self.path / "cpuacct.usage").read_text()) / 1e9
        for line in (self.path / "cpu.stat").read_text().splitlines():
            if line.startswith("usage_usec "):
                return int(line.split()[1]) / 1e6
        return 0.0

    def close(self) -> bool:
        """Remove the group and the groups made below it (a relative --cgroup-parent of a real dockerd lands
        there); False (and it stays) while a process is still in it."""
        for d in sorted(self.path.rglob("*"), key=lambda p: len(str(p)), reverse=True):
            if d.is_dir():
                try:
                    d.rmdir()
                except OSError:
                    pass
        for _ in range(50):  # processes killed a moment ago may not be reaped yet
            try:
                self.path.rmdir()
                return True
            except OSError:
                time.sleep(0.1)
        return False
