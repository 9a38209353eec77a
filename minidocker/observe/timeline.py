"""Where the time of one `docker run` goes: read the spans minidocker/trace.py wrote and draw them as a
timeline, one row per process (cf. Jaeger's trace view of moby's and containerd's OpenTelemetry spans).

Every process of the run appended its spans to its own file in the trace directory, all on
CLOCK_MONOTONIC; the container's row is drawn from the moment `start` released it to the moment the
shim reaped it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import trace

ROLE_ORDER = ("client", "dockerd", "containerd", "shim", "runtime", "container")
COLORS = {"client": "#4c72b0", "dockerd": "#dd8452", "containerd": "#55a868", "shim": "#c44e52",
          "runtime": "#8172b3", "container": "#937860"}


@dataclass
class Span:
    role: str
    pid: int
    name: str
    start: int  # ns, CLOCK_MONOTONIC
    end: int

    @property
    def ms(self) -> float:
        return (self.end - self.start) / 1e6


def read(directory: str | Path) -> list[Span]:
    """Every span in the directory, in start order (a line cut short by a crash is skipped)."""
    spans = []
    for path in Path(directory).glob("*.jsonl"):
        for line in path.read_text().splitlines():
            try:
                d = json.loads(line)
                spans.append(Span(d["role"], int(d["pid"]), d["name"], int(d["start"]), int(d["end"])))
            except (ValueError, KeyError, TypeError):
                continue
    return sorted(spans, key=lambda s: s.start)


def of_run(spans: list[Span], command: str = "minidocker run") -> list[Span]:
    """The spans inside the last client span named `command` (the daemons also log what came before)."""
    runs = [s for s in spans if s.role == "client" and s.name == command]
    if not runs:
        raise LookupError(f"no {command!r} span in the trace")
    run = runs[-1]
    client_pid = run.pid
    startup = [s for s in spans if s.role == "client" and s.pid == client_pid and s.end <= run.start]
    first = min([run.start] + [s.start for s in startup])
    return [s for s in spans if s.start >= first and s.end <= run.end or s in startup]


def rows(spans: list[Span]) -> list[tuple[str, int]]:
    """(role, pid) of each process, client first, in the order of the chain, then of first appearance."""
    seen: dict[tuple[str, int], int] = {}
    for s in spans:
        seen.setdefault((s.role, s.pid), s.start)
    rank = {r: i for i, r in enumerate(ROLE_ORDER)}
    return sorted(seen, key=lambda k: (rank.get(k[0], len(rank)), seen[k]))


STARTS = ("interpreter start-up", "forked from the shim", "forked from the spare shim")  # a process's first span


def breakdown(spans: list[Span]) -> str:
    """Where the time went, as text: the run's length, the interpreters' start-ups, the steps of start."""
    run = [s for s in spans if s.role == "client" and s.name == "minidocker run"][-1]
    first = min(s.start for s in spans)
    startups = [s for s in spans if s.name in STARTS]
    counts: dict[str, int] = {}
    for s in startups:
        counts[s.role] = counts.get(s.role, 0) + 1
    lines = [f"from the client's exec to its exit: {(run.end - first) / 1e6:.0f} ms",
             f"processes started: {sum(s.ms for s in startups):.0f} ms in all, "
             + ", ".join(f"{role} x{n}" for role, n in counts.items())]
    steps = [s for s in spans if (s.role == "client" and s.name not in ("minidocker run", "interpreter start-up"))
             or (s.role == "dockerd" and s.name.startswith("start: "))
             or (s.role == "shim" and s.name.startswith("runtime "))
             or (s.role == "runtime" and s.name in ("create", "start", "delete", "arguments, imports"))]
    rank = {r: i for i, r in enumerate(ROLE_ORDER)}
    for s in sorted(steps, key=lambda s: rank[s.role]):  # by process, each one's steps in order (stable sort)
        lines.append(f"  {s.role:<8} {s.name:<36} {s.ms:6.1f} ms")
    return "\n".join(lines)


def plot(spans: list[Span], title: str = "minidocker run --rm busybox true"):
    """A matplotlib figure: one row per process, one bar per span (points drawn as a tick)."""
    import matplotlib.pyplot as plt

    order = rows(spans)
    t0 = min(s.start for s in spans)
    fig, ax = plt.subplots(figsize=(11, 5.5))  # one size whatever the rows (a spare starting may add one)
    for y, (role, pid) in enumerate(order):
        mine = [s for s in spans if (s.role, s.pid) == (role, pid)]
        if role == "container":  # released -> reaped: one bar across
            mine = [Span(role, pid, "runs", min(s.start for s in mine), max(s.end for s in mine))]
        # Nested spans (a request inside the whole command) are drawn thinner on top of their parent.
        for depth, s in _depths(mine):
            x, w = (s.start - t0) / 1e6, max(s.ms, 0.3)
            h = 0.8 - 0.22 * depth
            ax.broken_barh([(x, w)], (y - h / 2, h), facecolors=COLORS.get(role, "grey"),
                           edgecolor="white", alpha=0.55 + 0.15 * min(depth, 3))
            leaf = not any(o is not s and s.start <= o.start and o.end <= s.end for o in mine)
            if leaf and s.ms > 0.05 * (max(x.end for x in spans) - t0) / 1e6:
                ax.text(x + w / 2, y, s.name, ha="center", va="center", fontsize=7, clip_on=True)
    ax.set_yticks(range(len(order)), [f"{r} {p}" for r, p in order])
    ax.invert_yaxis()
    ax.set_xlabel("milliseconds since the client's process began")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    plt.close(fig)  # shown once, as the cell's value (not a second time by the inline backend)
    return fig


def _depths(spans: list[Span]) -> list[tuple[int, Span]]:
    """Each span with how many of the others enclose it, outermost first."""
    out = []
    for s in spans:
        depth = sum(1 for o in spans if o is not s and o.start <= s.start and s.end <= o.end
                    and (o.start, -o.end) < (s.start, -s.end))
        out.append((depth, s))
    return sorted(out, key=lambda p: p[0])


def traced_run(eng: Any, *args: str, runs: int = 1) -> list[Span]:
    """Run `minidocker run ARGS` against an engine whose daemons trace into <root>/trace (started with
    tracing_engine), `runs` times, and return the spans of the last run."""
    directory = Path(eng.root) / "trace"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(mode=0o700)
    env = eng.env()
    env[trace.ENV] = str(directory)
    from .. import teach

    for _ in range(runs):
        subprocess.run(teach.cli_path() + ["run", *args], env=env, capture_output=True, check=True, timeout=60)
    return of_run(read(directory))


def tracing_engine(root: str | Path) -> Any:
    """A private engine whose daemons (and so every shim and runtime they start) trace into <root>/trace."""
    from .. import teach

    if isinstance(root, str) and "/" not in root:  # a chapter's name, as teach.engine takes it
        from ..course import course_root

        root = course_root() / root
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    directory = root / "trace"
    directory.mkdir(mode=0o700, exist_ok=True)
    saved = os.environ.get(trace.ENV)
    os.environ[trace.ENV] = str(directory)  # the daemons inherit it from `daemon start`
    try:
        return teach.engine(root)
    finally:
        if saved is None:
            os.environ.pop(trace.ENV, None)
        else:
            os.environ[trace.ENV] = saved
