"""`python -m minidocker.observe.diagrams` against a live engine: every figure holds the expected roles and edges."""

from __future__ import annotations

import platform
import re
from pathlib import Path

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture
from minidocker import paths
from minidocker.observe import diagrams, vm

pytestmark = pytest.mark.root


def parse_dot(path: Path) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """Node id -> role (or '' for nodes without one), and the set of (from, to) edges, from DOT source."""
    text = path.read_text()
    nodes = {}
    for m in re.finditer(r'^\s+"?([\w-]+)"? \[(.*?)\]$', text, re.M | re.S):
        role = re.search(r'\brole="?([\w-]*)"?', m.group(2))
        nodes[m.group(1)] = role.group(1) if role else ""
    edges = set(re.findall(r'^\s+"?([\w-]+)"? -> "?([\w-]+)"?', text, re.M))
    return nodes, edges


def role_edges(path: Path) -> set[tuple[str, str]]:
    nodes, edges = parse_dot(path)
    return {(nodes.get(a, a), nodes.get(b, b)) for a, b in edges}


@pytest.fixture(scope="module")
def figures(engine, tmp_path_factory):  # noqa: F811 - the fixture imported above
    out = tmp_path_factory.mktemp("diagrams")
    mp = pytest.MonkeyPatch()
    mp.setenv(paths.ENV_ROOT, str(engine.root))
    try:
        made = diagrams.regenerate(out)
    finally:
        mp.undo()
    assert all(p.exists() and p.with_suffix(".dot").exists() for p in made)
    return out


def test_engine_figure_shows_the_chain(figures):
    edges = role_edges(figures / "engine-architecture.dot")
    for edge in [("client", "dockerd"), ("dockerd", "containerd"), ("containerd", "shim"), ("shim", "container")]:
        assert edge in edges, edge
    nodes, _ = parse_dot(figures / "engine-architecture.dot")
    if "runtime" in nodes.values():  # short-lived: seen only if a snapshot fell inside create/start
        assert ("shim", "runtime") in edges
        assert "(exited)" in (figures / "engine-architecture.dot").read_text()


def test_lifecycle_figures(figures):
    running = set(parse_dot(figures / "lifecycle-2-running.dot")[0].values())
    exited = set(parse_dot(figures / "lifecycle-3-exited.dot")[0].values())
    before = set(parse_dot(figures / "lifecycle-0-before.dot")[0].values())
    assert {"dockerd", "containerd", "shim", "container"} <= running
    assert {"dockerd", "containerd"} <= before and "container" not in before
    assert "container" not in exited
    assert ("shim", "container") in role_edges(figures / "lifecycle-2-running.dot")
    steps = (figures / "lifecycle.dot").read_text()
    assert steps.count("subgraph cluster_") == 4 and "lifecycle: running" in steps


def test_system_architecture_figure(figures):
    nodes, _ = parse_dot(figures / "system-architecture.dot")
    assert {"client", "dockerd", "image", "container", "registry"} <= set(nodes.values())
    edges = role_edges(figures / "system-architecture.dot")
    assert ("client", "dockerd") in edges and ("image", "container") in edges
    assert ("dockerd", "registry") in edges
    assert "busybox:latest" in (figures / "system-architecture.dot").read_text()


def test_namespaces_and_layers_figures(figures):
    ns, _ = parse_dot(figures / "namespaces.dot")
    assert {"host", "ctr", "pid-c", "mnt-c", "net-c", "uts-c", "ipc-c"} <= set(ns)
    layers, edges = parse_dot(figures / "layers.dot")
    assert {"merged", "upper", "lower0", "image"} <= set(layers)
    assert ("upper", "merged") in edges and ("lower0", "merged") in edges


def test_vm_vs_container_figure_uses_measured_releases(figures):
    text = (figures / "vm-vs-container.dot").read_text()
    assert f"uname -r: {platform.release()}" in text
    if vm.available() is None:
        assert "not measured" not in text
        assert re.search(r"guest kernel\n(\S+)", text).group(1) != platform.release()
    assert all((figures / f"{name}.svg").read_text().lstrip().startswith("<?xml") for name in ("layers", "namespaces"))
