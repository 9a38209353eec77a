"""Host versus container namespaces, side by side, read from /proc/<pid>/ns (cf. `lsns`, namespaces(7))."""

from __future__ import annotations

import os

import graphviz

from minidocker.observe import procs
from minidocker.observe.host import NAMESPACE_KINDS

WHAT = {
    "mnt": "mount points", "pid": "process IDs", "net": "network stack", "ipc": "SysV IPC, POSIX queues",
    "uts": "hostname", "user": "user and group IDs", "cgroup": "cgroup root",
}


def compare(container_pid: int, host_pid: int | None = None) -> list[tuple[str, int, int, bool]]:
    """(kind, host inode, container inode, shared?) for every namespace kind."""
    host_pid = host_pid or os.getpid()  # PID 1 may be out of reach (a sandbox's init); we are a host process
    a, b = procs.namespaces(host_pid), procs.namespaces(container_pid)
    return [(k, a.get(k, 0), b.get(k, 0), a.get(k) == b.get(k)) for k in NAMESPACE_KINDS if k in a or k in b]


def graph(container_pid: int, host_pid: int | None = None) -> graphviz.Digraph:
    """Two processes and their namespaces: a shared namespace is one node both point at."""
    g = graphviz.Digraph(name="namespaces", graph_attr={"rankdir": "LR"},
                         node_attr={"fontname": "Helvetica", "fontsize": "10"})
    hp, cp = procs.read(host_pid or os.getpid()), procs.read(container_pid)
    g.node("host", f"host: {hp.name}\nPID {hp.pid}", shape="box", style="filled", fillcolor="#dbeafe")
    g.node("ctr", f"container: {cp.name}\nhost PID {cp.pid}, inside PID {cp.inner_pid}", shape="box",
           style="filled", fillcolor="#bbf7d0")
    for kind, hino, cino, shared in compare(container_pid, hp.pid):
        if shared:
            g.node(f"{kind}-s", f"{kind} [{hino}]\n{WHAT.get(kind, '')}\nshared", shape="ellipse",
                   style="filled", fillcolor="#f3f4f6")
            g.edge("host", f"{kind}-s")
            g.edge("ctr", f"{kind}-s")
        else:
            g.node(f"{kind}-h", f"{kind} [{hino}]", shape="ellipse")
            g.node(f"{kind}-c", f"{kind} [{cino}]\n{WHAT.get(kind, '')}\nnew", shape="ellipse",
                   style="filled", fillcolor="#fde68a")
            g.edge("host", f"{kind}-h")
            g.edge("ctr", f"{kind}-c")
    return g
