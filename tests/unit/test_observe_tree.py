"""observe.tree: focusing a snapshot on some containers, unions of snapshots, edges as role pairs."""

from __future__ import annotations

from minidocker.observe import draw
from minidocker.observe.procs import Proc
from minidocker.observe.tree import Snapshot, union


def proc(pid, ppid, role, name=None, cmdline=None):
    return Proc(pid=pid, ppid=ppid, name=name or role, cmdline=cmdline or [], nspid=[pid], role=role)


def engine_snapshot() -> Snapshot:
    ps = [proc(10, 1, "dockerd"), proc(11, 1, "containerd"), proc(20, 1, "shim", cmdline=["shim", "--id", "aaa"]),
          proc(21, 20, "container"), proc(22, 21, "container"), proc(30, 1, "shim", cmdline=["shim", "--id", "bbb"]),
          proc(31, 30, "container"), proc(40, 1, "client")]
    return Snapshot({p.pid: p for p in ps})


def test_focus_keeps_daemons_and_one_container():
    snap = engine_snapshot().focus([21])
    assert set(snap.procs) == {10, 11, 20, 21, 22}
    assert set(engine_snapshot().for_containers(["bbb"]).procs) == {10, 11, 30, 31}
    assert 40 in engine_snapshot().focus([21], keep_clients=True).procs


def test_role_edges_combine_forks_and_protocols():
    edges = engine_snapshot().role_edges()
    assert {("client", "dockerd"), ("dockerd", "containerd"), ("containerd", "shim"), ("shim", "container"),
            ("container", "container")} <= edges


def test_union_marks_exited_processes():
    first = engine_snapshot()
    runtime = proc(50, 20, "runtime", "minirunc")
    first.procs[50] = runtime
    merged = union([first, engine_snapshot()])
    assert 50 in merged.procs and merged.exited == {50}
    src = draw.process_graph(merged).source
    assert "(exited)" in src and "p20 -> p50" in src and "role=runtime" in src
