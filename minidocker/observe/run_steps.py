"""Chapter 05's live helpers: catch the OCI runtime in the middle of `create`, read a shim's open files,
ask a shim for an exit status, crash the daemons (cf. containerd-shim-runc-v2's task service; runtime-spec
config.md "createRuntime" hooks; proc(5) /proc/<pid>/fd).

The runtime lives only while it creates a container (tens of milliseconds). To show it honestly, the engine
runs that container with a *gated runtime*: a wrapper that adds one OCI `createRuntime` hook to the bundle's
config.json and then exec()s the real minirunc in its own place. minirunc runs unchanged; it calls the hook
in the middle of its `create` (namespaces made, the container's init forked and waiting), and the hook waits
until the notebook opens the gate. Every process the diagram shows is the real one at that moment.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from minidocker.observe import procs, tree
from minidocker.observe.tree import Snapshot

MINIRUNC = str(Path(sys.executable).parent / "minirunc")

_WRAPPER = '''#!{python} -IS
"""A gated runtime for chapter 05: on `create`, add a createRuntime hook that waits for {gate};
on `start`, wait for {start_gate} (if set); then become minirunc."""
import json, os, sys, time
args = sys.argv[1:]
if "create" in args and "--bundle" in args:
    config = os.path.join(args[args.index("--bundle") + 1], "config.json")
    with open(config) as f:
        spec = json.load(f)
    hook = {{"path": "/bin/sh", "args": ["sh", "-c", 'until [ -e "$1" ]; do sleep 0.05; done', "sh", {gate!r}],
            "timeout": 90}}
    spec.setdefault("hooks", {{}}).setdefault("createRuntime", []).append(hook)
    with open(config + ".gated", "w") as f:
        json.dump(spec, f)
    os.replace(config + ".gated", config)
if "start" in args and {start_gate!r}:
    while not os.path.exists({start_gate!r}):
        time.sleep(0.05)
os.execv({minirunc!r}, [{minirunc!r}] + args)
'''
WRAPPER_NAME = "minirunc-gated"


@dataclass
class Gate:
    """A runtime wrapper (`runtime`, give it to `run --runtime`): its creates wait until `open()`, and its
    starts (when made with hold_start) until `open_start()`."""

    runtime: str
    gate: str
    start_gate: str = ""

    def open(self) -> None:
        Path(self.gate).touch()

    def open_start(self) -> None:
        if self.start_gate:
            Path(self.start_gate).touch()

    def close(self) -> None:
        for path in (self.gate, self.start_gate):
            if path:
                Path(path).unlink(missing_ok=True)


def gated_runtime(workdir: str | Path, hold_start: bool = False) -> Gate:
    """Write the wrapper into workdir (closed: creates, and starts with hold_start, will wait); return its Gate."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    gate = Gate(str(workdir / WRAPPER_NAME), str(workdir / "gate-open"),
                str(workdir / "start-gate-open") if hold_start else "")
    gate.close()
    tmp = Path(gate.runtime + ".tmp")
    tmp.write_text(_WRAPPER.format(python=sys.executable, gate=gate.gate, start_gate=gate.start_gate,
                                   minirunc=MINIRUNC))
    tmp.chmod(0o755)
    tmp.replace(gate.runtime)
    return gate


def label(snap: Snapshot) -> Snapshot:
    """Name what the generic snapshot cannot: below the runtime, a process in a new pid namespace is the
    container's init (still the runtime's code until `start`); one in the host's is the hook (its own
    children, the hook's `sleep`s, are left out); the wrapper waiting to start is the gate."""
    for p in list(snap.procs.values()):
        if p.name == WRAPPER_NAME:  # the wrapper itself, holding back `start` before it becomes minirunc
            p.role = "gate"
            continue
        if p.role == "runtime" and len(p.nspid) > 1:  # the init runs the runtime's code until `start`
            p.role = "container"
        parent = snap.procs.get(p.ppid)
        if parent is None or parent.role != "runtime" or p.pid not in snap.procs:
            continue
        if len(p.nspid) > 1:
            p.role = "container"
        else:
            p.role = "hook"
            for q in [q for q in snap.procs.values() if q.ppid == p.pid]:
                del snap.procs[q.pid]
    return snap


def _subtree(snap: Snapshot, top: int) -> set[int]:
    keep, stack = set(), [top]
    while stack:
        cur = stack.pop()
        keep.add(cur)
        stack.extend(p.pid for p in snap.procs.values() if p.ppid == cur and p.pid not in keep)
    return keep


def around_shim(snap: Snapshot, shim_pid: int, clients: bool = True) -> Snapshot:
    """The daemons (and clients), plus one shim and everything below it."""
    keep = {p.pid for p in snap.procs.values() if p.role in ("dockerd", "containerd")
            or (clients and p.role == "client")}
    keep |= _subtree(snap, shim_pid) if shim_pid in snap.procs else set()
    return Snapshot({k: v for k, v in snap.procs.items() if k in keep}, snap.taken, snap.label, snap.exited & keep)


def runtime_held(root: str | Path | None, timeout: float = 60.0, title: str = "") -> Snapshot:
    """Wait until a runtime of this engine sits in its hook, then snapshot it with its shim and the daemons."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snap = label(tree.snapshot(root, label=title))
        for rt in snap.by_role("runtime"):
            kids = [p.role for p in snap.procs.values() if p.ppid == rt.pid]
            if "hook" in kids and "container" in kids:
                return around_shim(snap, rt.ppid)
        time.sleep(0.02)
    raise TimeoutError(f"no runtime reached its createRuntime hook within {timeout:.0f}s")


def start_held(root: str | Path | None, timeout: float = 60.0, title: str = "") -> Snapshot:
    """Wait until the runtime's create has returned and the wrapper holds back `start`; snapshot that shim."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snap = label(tree.snapshot(root, label=title))
        for gate in snap.by_role("gate"):
            shim = snap.procs.get(gate.ppid)
            kids = {p.role for p in snap.procs.values() if shim and p.ppid == shim.pid}
            if shim and shim.role == "shim" and "container" in kids and "runtime" not in kids:
                return around_shim(snap, shim.pid)
        time.sleep(0.02)
    raise TimeoutError(f"no runtime start was held within {timeout:.0f}s")


def shim_of(pid: int) -> int:
    """The shim above a container process (its parent, thanks to PR_SET_CHILD_SUBREAPER)."""
    cur = pid
    while cur > 1:
        p = procs.read(cur)
        if p.role == "shim":
            return cur
        cur = p.ppid
    raise LookupError(f"no shim above process {pid}")


def start_client(eng, *args: str):
    """Start `minidocker ARGS...` against eng in the background (a Popen: .communicate() for its output)."""
    import subprocess

    from minidocker import teach

    return subprocess.Popen(teach.cli_path() + list(args), env=eng.env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
