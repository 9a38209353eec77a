"""Regenerate every figure of the course from a live engine: `python -m minidocker.observe.diagrams diagrams/`.

Each figure is written as DOT source (`name.dot`) and SVG (`name.svg`). Nothing is hand-drawn: the
processes, namespaces, layers and kernel releases are read from the running system at that moment.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
import uuid
from pathlib import Path

import graphviz

from minidocker import teach
from minidocker.observe import architecture, draw, layers, nsdiff, stack, tree, vm


def write(graph: graphviz.Digraph, out: Path, name: str) -> Path:
    """name.dot and name.svg in out (the SVG rendered by graphviz's dot)."""
    (out / f"{name}.dot").write_text(graph.source)
    (out / f"{name}.svg").write_text(teach.svg_of(graph))
    return out / f"{name}.svg"


def _container_pid(eng: teach.Engine, name: str) -> int:
    return int(eng("inspect", "--format", "{{.State.Pid}}", name).strip())


def catch_run(eng: teach.Engine, name: str, attempts: int = 3) -> tree.Snapshot:
    """Every process of one `minidocker run`, the short-lived ones included.

    The runtime lives only while it creates and starts the container, so a snapshot may miss it:
    watch up to `attempts` runs and keep the first in which it was caught.
    """
    for i in range(attempts):
        snap = watch_run(eng, f"{name}-{i}")
        if snap.by_role("runtime"):
            break
    return snap


def engine_figure(eng: teach.Engine, out: Path, name: str) -> Path:
    """The source document's figure of §2.1, from the processes of a live `minidocker run`."""
    return write(architecture.engine_graph(catch_run(eng, name)), out, "engine-architecture")


def watch_run(eng: teach.Engine, name: str) -> tree.Snapshot:
    """Start `minidocker run --rm ... sleep 2` and snapshot every change until its container runs."""
    # Containers, not shims, tell what is new: containerd keeps a spare shim started ahead, which this run's
    # container may be given.
    before = {p.pid for p in tree.snapshot().by_role("container")}
    client = subprocess.Popen(teach.cli_path() + ["run", "--rm", "--name", name, "busybox", "sleep", "2"],
                              env=eng.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # ... and runs its own program: until start, its init is still the runtime's ("minirunc:[INIT]")
        new_container = lambda: any(p.pid not in before and not p.name.startswith("minirunc")
                                    for p in tree.snapshot().by_role("container"))
        snaps = tree.watch(new_container, interval=0.002, timeout=30)
        snaps.append(tree.snapshot())
        merged = tree.union(snaps, label="minidocker run: the processes seen (dashed: already exited)")
        # Keep the client we started and what its run made (not other containers of a shared engine).
        runs = [p for p in list(merged.by_role("container")) + list(merged.by_role("runtime")) if p.pid not in before]
        shims = sorted({p.ppid for p in runs if p.ppid in merged.procs and merged.procs[p.ppid].role == "shim"})
        clients = {client.pid} | {p.pid for p in merged.by_role("client") if p.ppid == client.pid}
        merged = tree.Snapshot({k: v for k, v in merged.procs.items()
                                if k in merged.focus(shims).procs or k in clients},
                               merged.taken, merged.label, merged.exited)
    finally:
        client.wait(60)
    return merged


def lifecycle_figures(eng: teach.Engine, out: Path, name: str) -> list[Path]:
    """Snapshots before create, after create, after start and after exit (one figure each, and all in one)."""
    made, snaps = [], []
    steps = [("0-before", None), ("1-created", ["create", "--name", name, "busybox", "sleep", "30"]),
             ("2-running", ["start", name]), ("3-exited", ["kill", name])]
    cid = ""
    try:
        for label, cmd in steps:
            if cmd:
                eng(*cmd)
                cid = cid or eng("inspect", "--format", "{{.Id}}", name).strip()
            if label == "3-exited":
                eng("wait", name, check=False)
            # Only this container's processes: a shared engine may be running others.
            snap = tree.snapshot(label=f"lifecycle: {label[2:]}").for_containers([cid] if cid else ["-"])
            snaps.append(snap)
            made.append(write(draw.process_graph(snap), out, f"lifecycle-{label}"))
        made.append(write(draw.sequence_graph(snaps), out, "lifecycle"))
    finally:
        eng("rm", "-f", name, check=False)
    return made


def container_figures(eng: teach.Engine, out: Path, name: str) -> list[Path]:
    """Namespaces (host vs container) and layers (image -> layers -> overlay) of one running container."""
    eng("run", "-d", "--name", name, "busybox", "sh", "-c", "echo hello > /hello; sleep 60")
    try:
        pid = _container_pid(eng, name)
        # The system figure while this container runs, so it shows an image and its instance.
        made = [write(architecture.system_graph(architecture.facts()), out, "system-architecture")]
        made.append(write(nsdiff.graph(pid), out, "namespaces"))
        mount = layers.container_mount(pid)
        if mount:
            ids = json.loads(eng("image", "inspect", "--format", "{{json .RootFS.Layers}}", "busybox"))
            names = [i[7:19] for i in reversed(ids)]
            made.append(write(layers.layer_graph(mount, "busybox:latest", names), out, "layers"))
        return made
    finally:
        eng("rm", "-f", name, check=False)


def stack_figure(eng: teach.Engine, out: Path) -> Path:
    """The VM and container stacks with kernel releases measured now (the VM really boots)."""
    in_container = eng("run", "--rm", "busybox", "uname", "-r").strip()
    vm_release = None if vm.available() else vm.boot(timeout=60).release
    return write(stack.stack_graph(platform.release(), in_container, vm_release), out, "vm-vs-container")


def regenerate(out: Path) -> list[Path]:
    """Every figure, from the engine $MINIDOCKER_ROOT points at (started if it is not up)."""
    out.mkdir(parents=True, exist_ok=True)
    eng = teach.engine()
    tag = uuid.uuid4().hex[:8]
    made = [engine_figure(eng, out, f"diag-run-{tag}")]
    made += lifecycle_figures(eng, out, f"diag-life-{tag}")
    made += container_figures(eng, out, f"diag-ctr-{tag}")
    made.append(stack_figure(eng, out))
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minidocker.observe.diagrams", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="directory for the .svg and .dot files (e.g. diagrams/)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        made = regenerate(args.out)
    except (RuntimeError, OSError) as exc:
        print(f"diagrams: {exc}", file=sys.stderr)
        return 1
    for path in made:
        print(path)
    print(f"{len(made)} figures in {time.monotonic() - start:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
