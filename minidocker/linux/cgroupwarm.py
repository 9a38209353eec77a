"""Start paying the kernel's first-cgroup-attach toll early, in the background (cf. runc, which pays it
inside `create`; the kernel's cgroup_threadgroup_rwsem and rcu_sync).

Writing to cgroup.procs takes the global cgroup_threadgroup_rwsem for writing; after a quiet spell the
first writer waits a whole RCU grace period (5-25 ms on these VMs; measured: a write 10 ms after the
last one costs 0.02 ms, 20 ms after it ~8 ms), holding cgroup_mutex meanwhile (so every cgroup mkdir on
the host waits too), and each write keeps the lock cheap for about a grace period after it. start()
re-attaches the calling process to the cgroup it is already in (a no-op move) on a thread, so that the
wait overlaps other work instead of adding to a container's create:
- dockerd starts it as a start request arrives (dockerd/lifecycle.py): its wait is over before the
  runtime makes the container's cgroups, some 20 ms later;
- the shim again as a create or exec request arrives (shim/service.py): cheap while the first one's
  effect lasts, it extends it to the runtime's joins; and it covers a shim driven by another client;
- an exec'd minirunc as it starts (runc/cli.py), overlapping its imports and the parsing of config.json;
  a minirunc forked by a shim starts none (its cgroup mkdirs would only queue behind the wait).
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
