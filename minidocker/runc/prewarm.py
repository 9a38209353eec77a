"""Start paying the kernel's first-cgroup-attach toll early, in the background.

Writing to cgroup.procs takes the global cgroup_threadgroup_rwsem for writing; after a quiet spell
the first writer waits a whole RCU grace period (5-25 ms on these VMs) before it gets it, and the
lock stays cheap for a grace period after. runc pays that wait inside `create`. minirunc starts a
thread that re-attaches the runtime process to the cgroup it is already in (a no-op move) the moment
it starts, so the wait overlaps with Python's imports and the parsing of config.json instead of
adding to them; by the time the init joins its cgroups the lock is usually warm. A shim that forks
minirunc (shim/warm.py) starts it itself as a create or exec request arrives, before it mounts the rootfs
and writes config.json; the forked runtime has no imports left to overlap and starts none of its own
(its cgroup mkdirs would only queue behind the wait).
"""

from __future__ import annotations

import _thread
import os


def _attach_self(path: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)
    except OSError:
        pass  # only a speed-up: not root, no such hierarchy, a cgroup being removed


def start() -> None:
    """Fire and forget; harmless if the process forks or exits while the write is in flight."""
    try:
        with open("/proc/self/cgroup") as f:
            line = f.readline().rstrip("\n")  # any hierarchy will do: the lock is global
    except OSError:
        return
    _, keys, path = line.split(":", 2)
    name = keys.split(",")[0].replace("name=", "") if keys else "unified"
    base = "/sys/fs/cgroup" if not keys and os.path.exists("/sys/fs/cgroup/cgroup.controllers") else f"/sys/fs/cgroup/{name}"
    _thread.start_new_thread(_attach_self, (f"{base}{path}/cgroup.procs",))
