"""Reading a container's cgroup from the shim: its processes and whether the OOM killer struck
(cf. containerd pkg/oom/v1 memory.oom_control and pkg/oom/v2 memory.events).

Found from /proc/<init pid>/cgroup while the container runs, so it works whatever runtime created
it and whether the host is on cgroup v1, v2 or the hybrid layout.
"""

from __future__ import annotations

import os

CGROUP_ROOT = "/sys/fs/cgroup"


def dirs_of(pid: int) -> dict[str, str]:
    """controller ("memory", "pids", "" for the unified v2 tree) -> the process's cgroup directory."""
    found: dict[str, str] = {}
    unified = os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers"))
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _id, controllers, path = line.rstrip("\n").split(":", 2)
            path = path.lstrip("/")
            if controllers == "":
                base = CGROUP_ROOT if unified else os.path.join(CGROUP_ROOT, "unified")
                found[""] = os.path.join(base, path)
                continue
            for name in controllers.split(","):
                found[name] = os.path.join(CGROUP_ROOT, name, path)
    return found


def oom_kills(dirs: dict[str, str]) -> int:
    """How many times the kernel's OOM killer killed a process in this cgroup (-1 if unknowable)."""
    candidates = []
    if "memory" in dirs:
        candidates.append(os.path.join(dirs["memory"], "memory.oom_control"))  # v1
    if "" in dirs:
        candidates.append(os.path.join(dirs[""], "memory.events"))  # v2
    for path in candidates:
        try:
            with open(path) as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except OSError:
            continue
    return -1


def procs(dirs: dict[str, str]) -> list[int]:
    """Every pid in the cgroup and its children (pids or memory controller, else the v2 tree)."""
    for name in ("pids", "memory", ""):
        top = dirs.get(name)
        if not top or not os.path.isdir(top):
            continue
        pids: set[int] = set()
        for dirpath, _dirs, _files in os.walk(top):
            try:
                with open(os.path.join(dirpath, "cgroup.procs")) as f:
                    pids.update(int(x) for x in f.read().split())
            except OSError:
                continue
        return sorted(pids)
    return []
