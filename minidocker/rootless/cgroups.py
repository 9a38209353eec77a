"""A cgroup subtree delegated to an ordinary user, so that their rootless engine can limit its containers
(cf. systemd's Delegate= on user@.service, the kernel's Documentation/admin-guide/cgroup-v2.rst
"Delegation", and LXC's pam_cgfs on cgroup v1).

Root makes /sys/fs/cgroup[/CONTROLLER]/minidocker-learners/USER, caps it (memory, pids, cpu: the learner's
whole allowance, in files that stay root's) and gives the user the directory and the files that move
processes (cgroup.procs, tasks, cgroup.threads, and on v2 cgroup.subtree_control). The user can then make
child cgroups below it and set limits on those, never above their own cap: the kernel enforces every
ancestor's limit on its descendants. Moving a process needs write access to the destination's
cgroup.procs and, on v1, that the writer's euid is the task's uid or suid (cgroup1 __cgroup1_procs_write);
on v2, also write access to the common ancestor's cgroup.procs ("Delegation Containment"), so on v2 root
must start the learner's session inside their subtree (`enter`, run-classroom's spawner does it): from there
the engine moves itself into USER/engine. Containers go to USER/<instance>/<id> (oci.defaults.cgroups_path).
"""

from __future__ import annotations

import errno
import os
import pwd
import time

from ..runc import cgroups as cg

PARENT = "minidocker-learners"
ENGINE = "engine"    # the learner's engine processes (v2: no process may sit in a cgroup that has children with controllers)
SESSION = "session"  # where root puts a learner's session (the hub's spawner) on v2
# Not cpuset nor freezer on v1 (systemd's CGROUP_DELEGATION.md: delegating v1 controllers to the less
# privileged is not safe): a v1 child cpuset with load balancing on rebuilds the whole machine's scheduler
# domains at every write of its cpuset.cpus, under global locks. cpuacct only reports (docker stats' CPU).
V1_CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")
V2_CONTROLLERS = ("memory", "pids", "cpu", "cpuset")
V1_OWNED = ("tasks", "cgroup.procs")
V2_OWNED = ("cgroup.procs", "cgroup.threads", "cgroup.subtree_control")  # as systemd's Delegate= chowns
CPU_PERIOD = 100000


class NotDelegated(Exception):
    """No usable delegated subtree (the message says what to do)."""


def relative(user: str) -> str:
    """The user's delegated cgroup, from the root of each hierarchy."""
    return f"/{PARENT}/{user}"


def mounts() -> dict[str, str]:
    """The hierarchies a subtree is delegated in: the unified one on a cgroup v2 host, else every v1 hierarchy
    holding one of V1_CONTROLLERS (a hybrid host's /sys/fs/cgroup/unified holds no controller)."""
    found = cg.hierarchies()
    if cg.is_unified():
        return {cg.UNIFIED: found.get(cg.UNIFIED, cg.ROOT)}
    return {key: point for key, point in found.items() if set(key.split(",")) & set(V1_CONTROLLERS)}


def _write(path: str, value: object) -> None:
    with open(path, "w") as f:
        f.write(str(value))


def _read(path: str) -> str:
    with open(path) as f:
        return f.read().strip()


def _mkdir(path: str) -> None:
    try:
        os.mkdir(path, 0o755)
    except FileExistsError:
        pass


def _enable_v2(directory: str, wanted: tuple[str, ...] = V2_CONTROLLERS) -> None:
    """Turn on in cgroup.subtree_control those of `wanted` the directory itself has, one at a time: one the
    kernel refuses (cpuset cannot move a task its writer could not setscheduler, e.g. a root process left
    in the subtree) leaves the others on; delegated_controllers() then says which are."""
    have = set(_read(f"{directory}/cgroup.controllers").split())
    for c in wanted:
        if c in have:
            try:
                _write(f"{directory}/cgroup.subtree_control", f"+{c}")
            except OSError:
                if c in ("memory", "pids"):
                    raise


def _v1_caps(directory: str, key: str, memory: int | None, pids: int | None, cpus: float | None) -> None:
    names = set(key.split(","))
    if "cpuset" in names:
        for name in ("cpuset.cpus", "cpuset.mems"):
            if not _read(f"{directory}/{name}"):
                _write(f"{directory}/{name}", _read(f"{os.path.dirname(directory)}/{name}"))
    if "memory" in names and memory:
        _write(f"{directory}/memory.limit_in_bytes", memory)
        if os.path.exists(f"{directory}/memory.memsw.limit_in_bytes"):  # swap accounting on: memory + swap <= the cap
            _write(f"{directory}/memory.memsw.limit_in_bytes", memory)
    if "pids" in names and pids:
        _write(f"{directory}/pids.max", pids)
    if "cpu" in names and cpus:
        _write(f"{directory}/cpu.cfs_period_us", CPU_PERIOD)
        _write(f"{directory}/cpu.cfs_quota_us", int(cpus * CPU_PERIOD))


def _v2_caps(directory: str, memory: int | None, pids: int | None, cpus: float | None) -> None:
    have = set(_read(f"{directory}/cgroup.controllers").split())
    if "memory" in have and memory:
        _write(f"{directory}/memory.max", memory)
        if os.path.exists(f"{directory}/memory.swap.max"):  # v2 counts swap apart: none, so the cap is all they get
            _write(f"{directory}/memory.swap.max", 0)
    if "pids" in have and pids:
        _write(f"{directory}/pids.max", pids)
    if "cpu" in have and cpus:
        _write(f"{directory}/cpu.max", f"{int(cpus * CPU_PERIOD)} {CPU_PERIOD}")


def delegate(user: str, memory: int | None = None, pids: int | None = None, cpus: float | None = None) -> list[str]:
    """As root: the user's subtree in every hierarchy, capped (bytes, processes, CPUs; None: no cap), theirs
    to fill. Run again to change the caps. Returns the user's directories."""
    entry = pwd.getpwnam(user)
    made = []
    for key, point in mounts().items():
        parent, mine = f"{point}/{PARENT}", f"{point}{relative(user)}"
        if key == cg.UNIFIED:
            _enable_v2(point)
            _mkdir(parent)
            _enable_v2(parent)
            _mkdir(mine)
            _v2_caps(mine, memory, pids, cpus)
            owned = V2_OWNED
        else:
            _mkdir(parent)
            _v1_caps(parent, key, None, None, None)
            _mkdir(mine)
            _v1_caps(mine, key, memory, pids, cpus)
            owned = V1_OWNED
        # The directory and the files that move processes become the user's; the limits stay root's.
        for path in [mine] + [f"{mine}/{name}" for name in owned if os.path.exists(f"{mine}/{name}")]:
            os.chown(path, entry.pw_uid, entry.pw_gid)
        made.append(mine)
    return made


def needs_entering() -> bool:
    """cgroup v2: a learner's engine can join their subtree only from a session root started inside it."""
    return cg.is_unified()


def enter(user: str, pid: int, check_owner: bool = True) -> None:
    """As root: put a process of the user (their session) into USER/session, from where their engine may move
    itself (v2's common-ancestor rule); on v1 the engine could move itself from anywhere, done the same way.
    pid 0: the caller (a spawner's child about to become the user: check_owner=False)."""
    entry = pwd.getpwnam(user)
    if check_owner and (not os.path.exists(f"/proc/{pid}") or os.stat(f"/proc/{pid}").st_uid != entry.pw_uid):
        raise NotDelegated(f"process {pid} is not one of {user}'s")  # root must not hand them another's process
    for key, point in mounts().items():
        mine = f"{point}{relative(user)}"
        if not os.path.isdir(mine):
            raise NotDelegated(f"no cgroup subtree is delegated to {user} ({mine} is missing)")
        session = f"{mine}/{SESSION}"
        _mkdir(session)
        if key != cg.UNIFIED and "cpuset" in key.split(","):
            _v1_caps(session, key, None, None, None)
        for path in [session] + [f"{session}/{n}" for n in (V2_OWNED if key == cg.UNIFIED else V1_OWNED)]:
            if os.path.exists(path):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        _write(f"{session}/cgroup.procs", pid)


def subtree_pids(user: str) -> set[int]:
    """Every process in the user's subtree, in any hierarchy."""
    found: set[int] = set()
    for point in mounts().values():
        for d, _, _ in os.walk(f"{point}{relative(user)}"):
            try:
                found |= {int(p) for p in _read(f"{d}/cgroup.procs").split()}
            except OSError:
                continue
    return found


def undelegate(user: str, kill: bool = True) -> None:
    """As root: remove the user's subtree, the cgroups they made in it included. Everything still inside is
    theirs (nothing else can be moved in), and is killed first unless kill=False (then EBUSY is an error)."""
    from ..course import kill_until_gone

    if kill:
        kill_until_gone(lambda: subtree_pids(user) - {os.getpid()}, rounds=50)
    for point in mounts().values():
        mine = f"{point}{relative(user)}"
        for d, _, _ in sorted(os.walk(mine, topdown=False), key=lambda w: len(w[0]), reverse=True):
            _rmdir(d)
        try:
            os.rmdir(f"{point}/{PARENT}")
        except OSError:
            pass  # other learners' subtrees remain


def _rmdir(d: str) -> None:
    deadline = time.monotonic() + 5
    while True:
        try:
            os.rmdir(d)
            return
        except FileNotFoundError:
            return
        except OSError as e:  # EBUSY: a killed task not yet reaped
            if e.errno != errno.EBUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


# ---- the learner's side (the rootless launcher, as the user, before it makes its namespaces) ----

def find(uid: int) -> str | None:
    """The user's delegated subtree (relative path) if it exists and is theirs in a memory or pids hierarchy."""
    try:
        rel = relative(pwd.getpwuid(uid).pw_name)
    except KeyError:
        return None
    for key, point in mounts().items():
        try:
            if os.stat(point + rel).st_uid == uid and (key == cg.UNIFIED or {"memory", "pids"} & set(key.split(","))):
                return rel
        except OSError:
            continue
    return None


def join_engine(rel: str) -> None:
    """Move the calling process into REL/engine in every hierarchy the user owns (its children, the engine,
    follow); on v2 also turn the controllers on for REL's children. NotDelegated says what is wrong."""
    own = cg.own_cgroups()
    for key, point in mounts().items():
        mine = point + rel
        if not os.access(mine, os.W_OK):
            continue
        if key == cg.UNIFIED and not (own.get(cg.UNIFIED, "") + "/").startswith(rel + "/"):
            raise NotDelegated(f"the engine must start inside {mine} (cgroup v2 moves a process only within a subtree "
                               f"its writer owns): log in through the class's hub, or ask root to run it from there")
        engine = f"{mine}/{ENGINE}"
        _mkdir(engine)
        if key != cg.UNIFIED and "cpuset" in key.split(","):
            _v1_caps(engine, key, None, None, None)
        _write(f"{engine}/cgroup.procs", 0)
        if key == cg.UNIFIED:
            _enable_v2(mine)


def delegated_controllers(rel: str) -> set[str]:
    """The controllers whose limits the engine can set below REL (inside the user namespace too: REL is ours)."""
    have: set[str] = set()
    for key, point in mounts().items():
        mine = point + rel
        if not os.access(mine, os.W_OK):
            continue
        if key == cg.UNIFIED:
            try:
                have |= set(_read(f"{mine}/cgroup.subtree_control").split())
            except OSError:
                continue
        else:
            have |= set(key.split(","))
    return have


def _offered(key: str, directory: str) -> set[str]:
    if key != cg.UNIFIED:
        return set(key.split(","))
    try:
        return set(_read(f"{directory}/cgroup.controllers").split())
    except OSError:
        return set()


def refusal(flag: str, controller: str, uid: int) -> str:
    """The one line a rootless engine answers a limit it cannot set with."""
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    dirs = {key: point + relative(user) for key, point in mounts().items()}
    if any(os.path.isdir(d) for d in dirs.values()):
        offered = {c for key, d in dirs.items() if os.path.isdir(d) for c in _offered(key, d)}
        if controller not in offered:
            return (f"{flag} needs the {controller} controller, which is not delegated to {user} here "
                    f"(cgroup v1: only memory, pids and cpu can be handed to a user safely)")
        return (f"{flag} needs the engine inside the cgroup subtree delegated to {user}: restart it "
                f"(`minidocker daemon stop`, `minidocker daemon start`), on cgroup v2 from a session root started "
                f"inside it (the class's hub does)")
    return (f"{flag} needs a cgroup subtree delegated to {user}: `sudo minidocker rootless delegate {user}` "
            f"(run-classroom does it for its learners), then restart the engine")
