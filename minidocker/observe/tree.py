"""Snapshots of the engine's live process tree: who runs, in which role, who forked whom (cf. `ps -ef --forest`, `pstree -p`)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import psutil

from minidocker import paths
from minidocker.observe import procs
from minidocker.observe.procs import Proc

# Who talks to whom, and how (DESIGN.md §1): drawn between live processes of these roles.
PROTOCOLS = {
    ("client", "dockerd"): "Engine API (HTTP, unix socket)",
    ("dockerd", "containerd"): "gRPC",
    ("containerd", "shim"): "shim socket",
}


@dataclass
class Snapshot:
    """The engine's processes at one instant, and the edges between them."""

    procs: dict[int, Proc] = field(default_factory=dict)
    taken: float = 0.0
    label: str = ""
    exited: set[int] = field(default_factory=set)
    shim_of: dict[int, str] = field(default_factory=dict)  # shim pid -> the container id it serves

    def by_role(self, role: str) -> list[Proc]:
        return [p for p in self.procs.values() if p.role == role]

    def roles(self) -> set[str]:
        return {p.role for p in self.procs.values() if p.role}

    def fork_edges(self) -> list[tuple[int, int]]:
        """(parent, child) pairs among the processes in the snapshot."""
        return [(p.ppid, p.pid) for p in self.procs.values() if p.ppid in self.procs]

    def protocol_edges(self) -> list[tuple[int, int, str]]:
        """(from, to, protocol) between live processes whose roles talk to each other."""
        out = []
        for (a, b), proto in PROTOCOLS.items():
            for pa in self.by_role(a):
                for pb in self.by_role(b):
                    out.append((pa.pid, pb.pid, proto))
        return out

    def focus(self, container_pids: Iterable[int], keep_clients: bool = False) -> "Snapshot":
        """Only the daemons and the given containers (their shims, runtimes and processes): other
        containers on a shared engine, and passing clients, are left out."""
        keep = {p.pid for p in self.procs.values() if p.role in ("dockerd", "containerd")
                or (keep_clients and p.role == "client")}
        for pid in container_pids:
            if pid not in self.procs:
                continue
            shim = pid
            while shim in self.procs and self.procs[shim].role != "shim":
                shim = self.procs[shim].ppid
            tops = [shim] if shim in self.procs else [pid]
            stack = list(tops)
            while stack:
                cur = stack.pop()
                keep.add(cur)
                stack.extend(c.pid for c in self.procs.values() if c.ppid == cur and c.pid not in keep)
        return Snapshot({k: v for k, v in self.procs.items() if k in keep}, self.taken, self.label,
                        self.exited & keep)

    def for_containers(self, ids: Iterable[str], keep_clients: bool = False) -> "Snapshot":
        """Like focus(), by container ID: the shims whose command line names one of the ids."""
        ids = [i for i in ids if i]
        shims = [p.pid for p in self.by_role("shim")
                 if any(i in " ".join(p.cmdline) or self.shim_of.get(p.pid, "").startswith(i) for i in ids)]
        return self.focus(shims, keep_clients)

    def role_edges(self) -> set[tuple[str, str]]:
        """The edges as role pairs (what a test or a learner checks, independent of PIDs)."""
        edges = {(self.procs[a].role, self.procs[b].role) for a, b in self.fork_edges()}
        edges |= {(self.procs[a].role, self.procs[b].role) for a, b, _ in self.protocol_edges()}
        return {e for e in edges if e[0] and e[1]}


def _dirs_of(root: Path | None) -> tuple[str, str]:
    """The run and state directories of the engine at root (paths.run_dir/state_dir for that root)."""
    if root is None:
        return "/run/minidocker", "/var/lib/minidocker"
    return str(root / "run"), str(root / "lib")


def _belongs(pid: int, root: Path | None) -> bool:
    """Does an engine process serve this engine? Its environment says, else the paths on its command line.

    Shims may run with a clean environment: their --address/--run-dir/--bundle paths tell which engine.
    """
    value = procs.environ_value(pid, paths.ENV_ROOT)
    if value is not None:
        return root is not None and Path(value) == root
    try:
        args = psutil.Process(pid).cmdline()
    except psutil.Error:
        return False
    mine = _dirs_of(root)
    for arg in args:
        if arg.startswith("/") and any(arg == d or arg.startswith(d + "/") for d in mine):
            return True
    # A path-like option pointing anywhere else means another engine's process.
    if any(a.startswith("--") and i + 1 < len(args) and args[i + 1].startswith("/")
           for i, a in enumerate(args) if a in ("--address", "--run-dir", "--bundle", "--root")):
        return False
    return root is None


def _shim_containers(root: Path | None) -> dict[int, str]:
    """Shim pid -> container id, from the shim.json containerd writes into each bundle: a spare shim
    (containerd keeps one started ahead) took its container after its command line was written."""
    import json

    out: dict[int, str] = {}
    for path in Path(_dirs_of(root)[0], "containerd").glob("**/shim.json"):
        try:
            data = json.loads(path.read_text())
            out[int(data["pid"])] = str(data["id"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


def snapshot(root: Path | str | None = "env", label: str = "") -> Snapshot:
    """The engine's processes now: daemons, shims, runtimes, clients of `root`, and every container process.

    root="env" means the engine $MINIDOCKER_ROOT points at (the system engine when unset).
    """
    root = paths.root() if root == "env" else (Path(root) if root else None)
    snap = Snapshot(taken=time.time(), label=label, shim_of=_shim_containers(root))
    children: dict[int, list[int]] = {}
    for p in psutil.process_iter(["pid", "ppid", "name", "cmdline"]):
        children.setdefault(p.info["ppid"] or 0, []).append(p.info["pid"])
        # Cheap first pass on name and command line: full /proc reads only for engine processes,
        # so a snapshot is quick enough to catch the runtime, which lives only while it creates.
        if p.info["pid"] == os.getpid() or not procs.role_of(p.info["name"] or "", p.info["cmdline"] or []):
            continue
        try:
            proc = procs.read(p.info["pid"])
        except ProcessLookupError:
            continue
        if proc.role and _belongs(proc.pid, root):
            snap.procs[proc.pid] = proc
    # Container processes: everything below a shim that is not the runtime itself.
    for shim in snap.by_role("shim"):
        stack = list(children.get(shim.pid, []))
        while stack:
            pid = stack.pop()
            try:
                proc = procs.read(pid)
            except ProcessLookupError:
                continue
            if proc.role != "runtime":
                proc.role = "container"
            snap.procs[pid] = proc
            stack.extend(children.get(pid, []))
    return snap


def watch(until: Callable[[], bool], root: Path | str | None = "env", interval: float = 0.005,
          timeout: float = 30.0) -> list[Snapshot]:
    """Snapshots taken every `interval` until `until()` is true, keeping only those whose process set changed.

    Short-lived processes (the runtime exits once the container is created) show up in the middle ones.
    """
    out: list[Snapshot] = []
    deadline = time.monotonic() + timeout
    while True:
        snap = snapshot(root)
        if not out or set(snap.procs) != set(out[-1].procs):
            out.append(snap)
        if until() or time.monotonic() > deadline:
            return out
        time.sleep(interval)


def union(snaps: Iterable[Snapshot], label: str = "") -> Snapshot:
    """Every process seen in any snapshot; those gone by the last one are marked exited."""
    snaps = list(snaps)
    merged = Snapshot(taken=snaps[-1].taken if snaps else time.time(), label=label)
    for snap in snaps:
        merged.procs.update(snap.procs)
    last = set(snaps[-1].procs) if snaps else set()
    merged.exited = set(merged.procs) - last
    return merged
