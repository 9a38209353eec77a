"""The VM stack beside the container stack, labelled with kernel releases measured live (source §1.4)."""

from __future__ import annotations

import graphviz


def stack_graph(host_release: str, container_release: str | None, vm_release: str | None) -> graphviz.Digraph:
    """Left: app on a guest kernel on a hypervisor (VMM). Right: app as a host process on the host kernel.

    A missing measurement (None) is drawn as 'not measured', never guessed.
    """
    g = graphviz.Digraph(name="stacks", graph_attr={"rankdir": "BT", "compound": "true"},
                         node_attr={"shape": "box", "style": "filled", "fontname": "Helvetica",
                                    "fontsize": "10", "width": "2.6"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    g.node("hw", "hardware (CPU, memory, disk)", fillcolor="#e5e7eb")
    g.node("hk", f"host kernel\n{host_release}", fillcolor="#dbeafe")
    g.edge("hw", "hk")
    with g.subgraph(name="cluster_vm") as vm:
        vm.attr(label="virtual machine (虚拟机)", style="rounded")
        vm.node("vmm", "hypervisor / VMM\n(qemu, TCG)", fillcolor="#fde68a")
        vm.node("gk", f"guest kernel\n{vm_release or 'not measured'}", fillcolor="#fecaca")
        vm.node("gapp", "app + its libraries", fillcolor="#bbf7d0")
        vm.edge("vmm", "gk")
        vm.edge("gk", "gapp")
    with g.subgraph(name="cluster_ctr") as ctr:
        ctr.attr(label="container (容器)", style="rounded")
        ctr.node("eng", "container engine\n(minidocker: namespaces, cgroups)", fillcolor="#e9d5ff")
        ctr.node("capp", f"app + its libraries\n(uname -r: {container_release or 'not measured'})",
                 fillcolor="#bbf7d0")
        ctr.edge("eng", "capp")
    g.edge("hk", "vmm")
    g.edge("hk", "eng")
    if container_release:
        g.edge("capp", "hk", style="dashed", label="same kernel" if container_release == host_release else "?",
               constraint="false")
    return g
