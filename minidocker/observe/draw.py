"""Draw observed snapshots with graphviz: one box per process, labelled by role, PIDs, namespaces and cgroup."""

from __future__ import annotations

import graphviz

from minidocker.observe.procs import Proc
from minidocker.observe.tree import Snapshot

COLORS = {
    "client": "#dbeafe", "dockerd": "#bfdbfe", "containerd": "#c7d2fe", "shim": "#e9d5ff",
    "runtime": "#fde68a", "container": "#bbf7d0", None: "#f3f4f6",
}
RANK = {"client": 0, "dockerd": 1, "containerd": 2, "shim": 3, "runtime": 4, "container": 5}


def node_id(pid: int) -> str:
    return f"p{pid}"


def proc_label(p: Proc, exited: bool = False, detail: bool = True) -> str:
    """A node's text: role and name, host PID and the PID inside its namespace, pid/mnt namespaces, cgroup."""
    lines = [f"{p.role or '?'}: {p.name}", f"host PID {p.pid}"]
    if len(p.nspid) > 1:
        lines[-1] += f" / in container PID {p.inner_pid}"
    if detail:
        lines.append(f"pid ns {p.ns.get('pid', '?')}  mnt ns {p.ns.get('mnt', '?')}")
        cg = p.cgroup_path()
        if cg and cg != "/":
            lines.append(f"cgroup {cg if len(cg) < 48 else '…' + cg[-46:]}")
    if exited:
        lines.append("(exited)")
    return "\n".join(lines)


def process_graph(snap: Snapshot, detail: bool = True) -> graphviz.Digraph:
    """The snapshot as a graph: solid arrows are fork (parent -> child), dashed ones are protocols."""
    g = graphviz.Digraph(name=snap.label or "engine", graph_attr={"rankdir": "TB", "label": snap.label, "labelloc": "t"},
                         node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica", "fontsize": "10"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    for p in sorted(snap.procs.values(), key=lambda p: (RANK.get(p.role, 9), p.pid)):
        exited = p.pid in snap.exited
        g.node(node_id(p.pid), proc_label(p, exited, detail), fillcolor=COLORS.get(p.role, COLORS[None]),
               style="rounded,filled,dashed" if exited else "rounded,filled", role=p.role or "")
    for a, b in snap.fork_edges():
        g.edge(node_id(a), node_id(b), label="  fork", kind="fork")  # spaces: the label clear of its edge
    for a, b, proto in snap.protocol_edges():
        g.edge(node_id(a), node_id(b), label=f"  {proto}", style="dashed", kind="protocol")
    return g


def sequence_graph(snaps: list[Snapshot], detail: bool = False) -> graphviz.Digraph:
    """Several snapshots side by side, one box each (e.g. before create, created, running, exited)."""
    g = graphviz.Digraph(name="sequence", graph_attr={"rankdir": "TB", "compound": "true"},
                         node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica", "fontsize": "9"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "8"})
    for i, snap in enumerate(snaps):
        with g.subgraph(name=f"cluster_{i}") as sub:
            sub.attr(label=snap.label or f"step {i + 1}", style="rounded", fontname="Helvetica")
            sub.node(f"s{i}_anchor", "", shape="point", style="invis")
            for p in sorted(snap.procs.values(), key=lambda p: (RANK.get(p.role, 9), p.pid)):
                sub.node(f"s{i}_{node_id(p.pid)}", proc_label(p, p.pid in snap.exited, detail),
                         fillcolor=COLORS.get(p.role, COLORS[None]), role=p.role or "")
            for a, b in snap.fork_edges():
                sub.edge(f"s{i}_{node_id(a)}", f"s{i}_{node_id(b)}", label="fork")
            for a, b, _proto in snap.protocol_edges():
                sub.edge(f"s{i}_{node_id(a)}", f"s{i}_{node_id(b)}", style="dashed")
    return g
