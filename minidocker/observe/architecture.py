"""The source document's two figures, drawn from the live engine: Docker's system architecture (§1.6) and the engine's processes (§2.1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import graphviz

from minidocker.observe import draw, engine_api
from minidocker.observe.tree import Snapshot

NODE = {"shape": "box", "style": "rounded,filled", "fontname": "Helvetica", "fontsize": "10"}


def facts(sock: Path | None = None) -> dict[str, Any]:
    """What the engine holds now: its images, its containers, and the registry it pulls from."""
    info = engine_api.get("/info", sock)
    return {
        "images": engine_api.get("/images/json", sock),
        "containers": engine_api.get("/containers/json?all=1", sock),
        "registry": info.get("IndexServerAddress") or "https://index.docker.io/v1/",
        "name": info.get("Name", "host"),
    }


def _image_name(img: dict) -> str:
    tags = [t for t in img.get("RepoTags") or [] if t != "<none>:<none>"]
    return tags[0] if tags else "<none> " + img.get("Id", "")[7:19]


def system_graph(f: dict[str, Any], max_items: int = 6) -> graphviz.Digraph:
    """Client -> DOCKER_HOST (daemon, containers, images) -> registry, with the engine's real images and containers."""
    g = graphviz.Digraph(name="system", graph_attr={"rankdir": "LR", "fontname": "Helvetica"}, node_attr=NODE,
                         edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    with g.subgraph(name="cluster_client") as c:
        c.attr(label="Client (客户端)")
        for verb in ("build", "pull", "run"):
            c.node(f"cmd_{verb}", f"minidocker {verb}", fillcolor="#dbeafe", role="client")
    with g.subgraph(name="cluster_host") as h:
        h.attr(label=f"DOCKER_HOST ({f['name']})")
        h.node("daemon", "Docker daemon (守护进程)\nminidockerd", fillcolor="#bfdbfe", role="dockerd")
        with h.subgraph(name="cluster_containers") as cs:
            cs.attr(label="Containers (容器)")
            for ctr in f["containers"][:max_items]:
                name = (ctr.get("Names") or ["/?"])[0].lstrip("/")
                cs.node(f"ctr_{ctr['Id'][:12]}", f"{name}\n{ctr.get('Image', '')}\n{ctr.get('State', '')}",
                        fillcolor="#bbf7d0", role="container")
        with h.subgraph(name="cluster_images") as im:
            im.attr(label="Images (镜像)")
            for img in f["images"][:max_items]:
                im.node(f"img_{img['Id'][7:19]}", _image_name(img), fillcolor="#e9d5ff", role="image")
    g.node("registry", f"Registry (镜像中心)\n{f['registry']}", fillcolor="#fde68a", role="registry")
    for verb in ("build", "pull", "run"):
        g.edge(f"cmd_{verb}", "daemon")
    images = {img["Id"]: f"img_{img['Id'][7:19]}" for img in f["images"][:max_items]}
    for img in images.values():
        g.edge("daemon", img, style="dotted", arrowhead="none")
    for ctr in f["containers"][:max_items]:
        src = images.get(ctr.get("ImageID", ""))
        if src:
            g.edge(src, f"ctr_{ctr['Id'][:12]}", label="instance of")
    g.edge("daemon", "registry", label="pull / push", dir="both")
    return g


def engine_graph(snap: Snapshot) -> graphviz.Digraph:
    """Client -> dockerd -> containerd -> shim -> runtime -> container: the live process graph (§2.1's figure)."""
    g = draw.process_graph(snap, detail=False)
    g.attr(label=snap.label or "the engine's processes (live)", labelloc="t")
    return g
