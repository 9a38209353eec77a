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
        self.also: list[Path] = []  # further groups counted with this one (they need not exist yet)

    def count_also(self, name: str) -> None:
        """Count the group `name` (at the top of the hierarchy) too: an engine's containers' parent cgroup,
        which is not below this one (its usage keeps its removed children's, in v1 and v2 alike)."""
        self.also.append((V2 if self.v2 else V1) / name)

    def join(self) -> None:
        """Move the calling process into the group (a Popen preexec_fn: its exec and children follow)."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def seconds(self) -> float:
        """CPU seconds used by the group's processes so far (exited ones included), and by count_also's."""
        return sum(self._usage(p) for p in [self.path, *self.also])

    def _usage(self, path: Path) -> float:
        try:
            if not self.v2:
                return int((path / "cpuacct.usage").read_text()) / 1e9
            for line in (path / "cpu.stat").read_text().splitlines():
                if line.startswith("usage_usec "):
                    return int(line.split()[1]) / 1e6
        except OSError:  # not made yet (no container so far), or already removed
            pass
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
