"""Exercise 03: a container is a host process with namespaces of its own, on the host's kernel
(cf. proc(5) NSpid, namespaces(7); chapter 03)."""

from __future__ import annotations

import os

from minidocker.grade.exercise import Exercise, Facts, unique
from minidocker.observe import nsdiff, procs

EXERCISE = ex = Exercise("03-container-is-a-process", "A container is a process")


def reference(pid: int) -> dict:
    """The expected answer, from minidocker.observe (not from the learner's code)."""
    p = procs.read(pid)
    own = sorted(kind for kind, _h, _c, shared in nsdiff.compare(pid) if not shared)
    return {"host_pid": p.pid, "inner_pid": p.inner_pid, "own_namespaces": own}


@ex.collector
def collect(container_facts, container_kernel) -> Facts:
    facts, eng, name = Facts(), ex.engine(), unique("ex03-box")
    facts.values["self"] = (facts.call("container_facts", container_facts, os.getpid()), reference(os.getpid()))
    eng("rm", "-f", name, check=False)
    eng("run", "-d", "--name", name, "busybox", "sleep", "600")
    try:
        pid = int(eng("inspect", "--format", "{{.State.Pid}}", name).strip())
        facts.values["box"] = (facts.call("container_facts", container_facts, pid), reference(pid))
        facts.values["kernel"] = facts.call("container_kernel", container_kernel, eng, name)
        facts.values["kernel_seen"] = eng("exec", name, "uname", "-r").strip()
    finally:
        eng("rm", "-f", name, check=False)
    facts.values["host_kernel"] = os.uname().release
    return facts


@ex.requirement(1, "container_facts reads this notebook's own process right", 1, uses=("container_facts",),
                hint="NSpid in /proc/<pid>/status lists the PID in every pid namespace, outermost first; "
                     "compare os.stat('/proc/<pid>/ns/<kind>').st_ino with the same for os.getpid()")
def own_process(f: Facts) -> str | None:
    got, want = f["self"]
    return None if got == want else f"for the notebook's own process (pid {want['host_pid']}) expected {want}, got {got}"


@ex.requirement(2, "container_facts reads a container's process right: PID 1 inside, its own namespaces", 2,
                uses=("container_facts",),
                hint="inside its pid namespace the container's first process is PID 1: take the LAST NSpid "
                     "field; list only the kinds whose inode differs from the notebook's, sorted")
def container_process(f: Facts) -> str | None:
    got, want = f["box"]
    return None if got == want else f"for a busybox container's process expected {want}, got {got}"


@ex.requirement(3, "container_kernel reports the kernel release the container runs on", 1, uses=("container_kernel",),
                hint="run `uname -r` inside the container (exec): a container has no kernel of its own, "
                     "so it prints the host's release (a VM would print its own)")
def kernel(f: Facts) -> str | None:
    got, seen, host = f["kernel"], f["kernel_seen"], f["host_kernel"]
    if not isinstance(got, str) or got.strip() != seen:
        return f"container_kernel returned {got!r}; `uname -r` in the container says {seen!r}"
    return None if seen == host else f"the container says {seen!r} but the host runs {host!r}"
