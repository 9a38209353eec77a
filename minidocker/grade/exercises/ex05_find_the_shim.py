"""Exercise 05: find a container's shim and prove the runtime is gone (cf. containerd-shim-runc-v2 as
the container's parent, runc exiting after `create`/`start`; proc(5); chapter 05)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from minidocker.grade.exercise import Exercise, Facts, unique
from minidocker.observe import procs

EXERCISE = ex = Exercise("05-find-the-shim", "Find the shim")


def _decoy(container_id: str) -> subprocess.Popen:
    """A process that looks like a runtime still busy with the container: named minirunc, the ID on its
    command line. It renames itself: only a thread group may write its own /proc/<pid>/comm (proc(5))."""
    rename = "open('/proc/self/comm', 'w').write('minirunc'); import time; time.sleep(120)"
    p = subprocess.Popen([sys.executable, "-c", rename, "start", container_id])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{p.pid}/comm").read_text().strip() != "minirunc" and time.monotonic() < deadline:
        time.sleep(0.01)
    return p


@ex.collector
def collect(shim_of, runtime_of) -> Facts:
    facts, eng, name = Facts(), ex.engine(), unique("ex05-box")
    eng("rm", "-f", name, check=False)
    eng("run", "-d", "--name", name, "busybox", "sleep", "600")
    decoy = None
    try:
        cid = eng("inspect", "--format", "{{.Id}}", name).strip()
        pid = int(eng("inspect", "--format", "{{.State.Pid}}", name).strip())
        parent = procs.read(pid).ppid
        facts.values.update(pid=pid, parent=parent, parent_role=procs.read(parent).role)
        got = facts.call("shim_of", shim_of, pid)
        facts.values["shim"] = got
        try:
            facts.values["shim_role"] = procs.read(int(got)).role
        except (ProcessLookupError, TypeError, ValueError):
            facts.values["shim_role"] = None
        facts.values["running"] = facts.call("runtime_of", runtime_of, cid)
        facts.values["real_runtimes"] = _runtimes_of(cid)
        decoy = _decoy(cid)
        facts.values["decoy"] = decoy.pid
        facts.values["with_decoy"] = facts.call("runtime_of", runtime_of, cid)
    finally:
        if decoy is not None:
            decoy.kill()
            decoy.wait()
        eng("rm", "-f", name, check=False)
    return facts


def _runtimes_of(container_id: str) -> list[int]:
    """The reference answer, from minidocker.observe.procs (processes may end while we read them)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                p = procs.read(int(entry.name))
            except ProcessLookupError:
                continue
            if p.role == "runtime" and container_id in " ".join(p.cmdline):
                found.append(p.pid)
    return found


@ex.requirement(1, "shim_of returns the container's parent, the shim", 2, uses=("shim_of",),
                hint="a container's main process is the child of its shim: the PPid line of /proc/<pid>/status")
def parent(f: Facts) -> str | None:
    got, want = f["shim"], f["parent"]
    if got != want:
        return f"shim_of({f['pid']}) returned {got!r}; the container's parent is process {want} ({f['parent_role']})"
    return None if f["shim_role"] == "shim" else f"process {got} is the parent but plays {f['shim_role']!r}, not the shim"


@ex.requirement(2, "runtime_of finds no runtime left for a running container", 1, uses=("runtime_of",),
                hint="minirunc (like runc) exits once the container runs: list the processes named minirunc, runc "
                     "or crun (/proc/<pid>/comm) whose command line (/proc/<pid>/cmdline) holds the container's ID")
def gone(f: Facts) -> str | None:
    got = f["running"]
    if f["real_runtimes"]:
        return f"a runtime process is really still there ({f['real_runtimes']}): ask your teacher"
    return None if got == [] else f"runtime_of returned {got!r} while no runtime process of the container exists"


@ex.requirement(3, "runtime_of finds a runtime process that is still there", 1, uses=("runtime_of",),
                hint="proving absence needs a search that would find presence: read every /proc/<pid>/comm "
                     "(minirunc, runc, crun) and the NUL-separated /proc/<pid>/cmdline")
def found(f: Facts) -> str | None:
    got, decoy = f["with_decoy"], f["decoy"]
    return None if got == [decoy] else f"with process {decoy} (comm minirunc, the ID in its command line) alive, runtime_of returned {got!r}"
