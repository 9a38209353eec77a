"""Control groups v1 and v2, detected at run time (cf. runc libcontainer/cgroups/fs, fs2 and specconv's cgroupsPath).

cgroupsPath as runc's cgroupfs driver reads it: an absolute path is taken from the root of every
hierarchy; a relative one (and the default, the container id) from the creating process's own cgroup
in that hierarchy. On a hybrid host (v1 controllers plus an empty v2 hierarchy at /sys/fs/cgroup/unified)
the container joins every v1 hierarchy, name=systemd included, and the unified one, as runc does.
"""

from __future__ import annotations

import errno
import os

from ..errors import RuntimeFailure, Unsupported

ROOT = "/sys/fs/cgroup"
_NOT_CONTROLLERS = {"rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "nosuid", "nodev", "noexec"}
UNIFIED = ""  # the key of the v2 hierarchy in a path map, as in runc's paths[""]


def is_unified() -> bool:
    """cgroup v2 only (unified mode): /sys/fs/cgroup itself is a cgroup2 mount."""
    return os.path.exists(ROOT + "/cgroup.controllers")


def hierarchies() -> dict[str, str]:
    """Mounted hierarchies: key ("memory", "cpu,cpuacct", "name=systemd", "" for v2) -> mount point."""
    found: dict[str, str] = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype, _, opts = right.split()[:3]
            point = left.split()[4]
            if fstype == "cgroup2":
                found.setdefault(UNIFIED, point)
            elif fstype == "cgroup":
                key = ",".join(o for o in opts.split(",") if o.startswith("name=") or o not in _NOT_CONTROLLERS and "=" not in o)
                found.setdefault(key, point)
    return found


def own_cgroups(pid: str = "self") -> dict[str, str]:
    """The cgroup of a process in each hierarchy, from /proc/PID/cgroup ("" for v2)."""
    own = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, keys, path = line.rstrip("\n").split(":", 2)
            own[keys] = path
    return own


def resolve(cgroups_path: str, container_id: str) -> dict[str, str]:
    """The directory of the container's cgroup in each hierarchy."""
    if ":" in cgroups_path and not cgroups_path.startswith("/"):
        raise Unsupported(f"cgroupsPath {cgroups_path!r} is a systemd slice:prefix:name; the systemd driver is not supported")
    inner = cgroups_path or container_id
    own = own_cgroups() if not inner.startswith("/") else {}
    paths = {}
    for key, point in hierarchies().items():
        below = inner if inner.startswith("/") else os.path.join(own.get(key, "/"), inner)
        full = os.path.normpath(point + "/" + below.lstrip("/"))
        if not full.startswith(point + "/"):
            raise Unsupported(f"cgroupsPath {cgroups_path!r} leaves the cgroup hierarchy")
        paths[key] = full
    return paths


# A rootless runtime whose user was delegated no cgroup cannot make one: runc's fs manager then drops that
# hierarchy (isIgnorableError: EPERM, EACCES, EROFS, in a user namespace only) and fails later only if a
# limit needs it (refuse_missing below).
_DENIED = (errno.EPERM, errno.EACCES, errno.EROFS)


def create(paths: dict[str, str], rootless: bool = False) -> list[str]:
    """mkdir every cgroup directory and its missing parents; returns those made, deepest last (for removal).
    rootless: a hierarchy where mkdir is denied is dropped from `paths` instead of failing."""
    made = []
    for key, path in list(paths.items()):
        if rootless:
            try:
                made += create({key: path})
            except OSError as e:
                if e.errno not in _DENIED:
                    raise
                del paths[key]
            continue
        missing = []
        p = path
        while not os.path.isdir(p):
            missing.append(p)
            p = os.path.dirname(p)
        for d in reversed(missing):
            try:
                os.mkdir(d)
                made.append(d)
            except FileExistsError:
                pass
            if "cpuset" in path and not os.path.exists(d + "/cgroup.controllers"):
                _inherit_cpuset(d)
    return made


# The controllers each limit needs (v1 names; "" is the v2 hierarchy, which holds them all).
_NEEDS = {"memory": ("memory", "memory_swap", "memory_reservation", "memory_swappiness", "oom_kill_disable"),
          "pids": ("pids",), "cpu": ("cpu_shares", "cpu_quota", "cpu_period", "cpu_rt_runtime", "cpu_rt_period", "cpu_idle"),
          "cpuset": ("cpuset_cpus", "cpuset_mems"), "hugetlb": ("hugepage_limits",)}


def refuse_missing(paths: dict[str, str], res) -> None:
    """Refuse a limit whose cgroup a rootless runtime could not make (runc: "cannot set ... limit: container
    could not join or create cgroup"), never start the container without it."""
    have = {name for key in paths for name in key.split(",")}
    if UNIFIED in paths and is_unified():
        return
    for controller, fields in _NEEDS.items():
        for field in fields:
            value = getattr(res, field, None)
            if value not in (None, False, "", [], {}) and controller not in have:
                raise Unsupported(f"rootless: cannot set linux.resources {field}: no {controller} cgroup is delegated "
                                  f"to this user (`sudo minidocker rootless delegate USER`)")


def _inherit_cpuset(directory: str) -> None:
    """A new v1 cpuset cgroup starts with no CPUs and no memory nodes, and joining it fails with ENOSPC
    until they are set: copy them from the parent, as runc's cpuset ensureParent does."""
    for name in ("cpuset.cpus", "cpuset.mems"):
        with open(f"{directory}/{name}") as f:
            if f.read().strip():
                continue
        parent = os.path.dirname(directory)
        with open(f"{parent}/{name}") as f:
            value = f.read().strip()
        if not value:  # a parent another runtime made a moment ago and has not filled in yet
            _inherit_cpuset(parent)
            with open(f"{parent}/{name}") as f:
                value = f.read().strip()
        _write(directory, name, value)


def _write(directory: str, name: str, value: object) -> None:
    try:
        with open(f"{directory}/{name}", "w") as f:
            f.write(str(value))
    except OSError as e:
        raise RuntimeFailure(f"cgroup: cannot write {value!r} to {directory}/{name}: {e.strerror}") from None


def join(paths: dict[str, str], pid: int = 0) -> None:
    """Move a process (0: the caller) into the container's cgroup in every hierarchy."""
    for path in paths.values():
        _write(path, "cgroup.procs", pid)


def procs(paths: dict[str, str]) -> list[int]:
    """Every process in the container's cgroup (the pids hierarchy, or whichever exists)."""
    path = paths.get("pids") or paths.get(UNIFIED) or next(iter(paths.values()), None)
    try:
        with open(f"{path}/cgroup.procs") as f:
            return [int(x) for x in f.read().split()]
    except (OSError, TypeError):
        return []


def remove(made: list[str], paths: dict[str, str]) -> None:
    """rmdir the container's cgroups (leaf first) once empty; the kernel refuses while a task is inside."""
    import time

    deadline = time.monotonic() + 5
    for d in sorted(set(made) | set(paths.values()), key=len, reverse=True):
        if d not in made and d not in paths.values():
            continue
        while True:
            try:
                os.rmdir(d)
                break
            except FileNotFoundError:
                break
            except OSError as e:
                if d not in paths.values():
                    break  # a parent we made: busy while other containers' cgroups live in it; leave it
                # EBUSY on our own cgroup: the last task has exited but is not yet reaped; retry briefly.
                if e.errno != errno.EBUSY or time.monotonic() > deadline:
                    raise RuntimeFailure(f"cgroup: cannot remove {d}: {e.strerror}") from None
                time.sleep(0.01)


def oom_kills(paths: dict[str, str]) -> int:
    """How many processes the kernel's OOM killer killed in this cgroup (v1 memory.oom_control, v2 memory.events)."""
    for key, name in (("memory", "memory.oom_control"), (UNIFIED, "memory.events")):
        path = paths.get(key)
        if path and os.path.exists(f"{path}/{name}"):
            with open(f"{path}/{name}") as f:
                for line in f:
                    field, _, value = line.partition(" ")
                    if field == "oom_kill":
                        return int(value)
    return 0
