"""Notebook helpers: show real source and live diagrams, check the host, start or find the engine.

Never imported by the engine itself; every chapter opens with `from minidocker import teach`.
"""

from __future__ import annotations

import html
import inspect
import re
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from minidocker import paths
from minidocker.observe import host


def _display(obj: Any, fallback: str) -> None:
    """Show a rich object in Jupyter, or print the plain-text fallback elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        print(fallback)
        return
    if get_ipython() is None:
        print(fallback)
    else:
        display(obj)


# ---- source ---------------------------------------------------------------------------------

def source_of(obj: Any) -> tuple[str, str]:
    """(where, code): the real source of a function, class or module, and its file:line."""
    code = inspect.getsource(obj)
    try:
        start = inspect.getsourcelines(obj)[1]
    except (OSError, TypeError):
        start = 1
    where = inspect.getsourcefile(obj) or "?"
    try:
        where = str(Path(where).relative_to(Path(__file__).resolve().parent.parent))
    except ValueError:
        pass
    return f"{where}:{max(start, 1)}", code


def show_source(obj: Any) -> None:
    """Render the real source of obj (function, class, module) with syntax highlighting."""
    where, code = source_of(obj)
    try:
        from IPython.display import HTML
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        print(f"# {where}\n{code}")
        return
    fmt = HtmlFormatter(noclasses=True, style="friendly")
    body = highlight(code, PythonLexer(), fmt)
    title = f"<div style='font-family:monospace;color:#555'># {html.escape(where)}</div>"
    _display(HTML(title + body), f"# {where}\n{code}")


# ---- diagrams --------------------------------------------------------------------------------

MAX_WIDTH_PT = 660  # about 880 px: JupyterLab's output area beside its file browser, which clips wider images


def fit_width(svg: str, max_pt: float = MAX_WIDTH_PT) -> str:
    """The SVG scaled down (its width and height; the viewBox keeps the drawing) to at most max_pt wide."""
    m = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if not m or float(m[1]) <= max_pt:
        return svg
    height = float(m[2]) * max_pt / float(m[1])
    return svg.replace(m[0], f'<svg width="{max_pt:.0f}pt" height="{height:.0f}pt"', 1)


def svg_of(graph: Any) -> str:
    """SVG text for a graphviz.Graph/Digraph, a DOT string, or an object with .to_graphviz(), fit to a notebook's width."""
    if hasattr(graph, "to_graphviz"):
        graph = graph.to_graphviz()
    if hasattr(graph, "pipe"):
        return fit_width(graph.pipe(format="svg").decode())
    dot = subprocess.run(["dot", "-Tsvg"], input=str(graph).encode(), capture_output=True, check=True)
    return fit_width(dot.stdout.decode())


class Figure:
    """A live diagram for Jupyter: drawn as SVG; its text form names the roles it shows (stable for nbval)."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph.to_graphviz() if hasattr(graph, "to_graphviz") else graph

    def source(self) -> str:
        return getattr(self.graph, "source", None) or str(self.graph)

    def roles(self) -> list[str]:
        """The role= attributes of its nodes, each once, sorted."""
        import re

        return sorted(set(re.findall(r'\brole="?([\w-]+)"?', self.source())))

    def _repr_svg_(self) -> str:
        return svg_of(self.graph)

    def __repr__(self) -> str:
        name = getattr(self.graph, "name", None) or "graph"
        roles = self.roles()
        return f"<diagram {name}" + (f": {', '.join(roles)}>" if roles else ">")


def show_diagram(graph: Any) -> None:
    """Draw a graph inline as SVG (in a terminal: print its DOT source)."""
    fig = Figure(graph)
    _display(fig, fig.source())


# ---- tables ----------------------------------------------------------------------------------

@dataclass
class Table:
    """A small table that prints as text in a terminal and as HTML in Jupyter."""

    headers: list[str]
    rows: list[list[Any]]

    def __str__(self) -> str:
        cells = [self.headers] + [[str(c) for c in row] for row in self.rows]
        widths = [max(len(str(r[i])) for r in cells) for i in range(len(self.headers))]
        lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in self.headers)
        body = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(str(c))}</td>" for c in r) + "</tr>"
            for r in self.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def table(headers: Iterable[str], rows: Iterable[Iterable[Any]]) -> Table:
    """Build a Table from headers and rows."""
    return Table(list(headers), [list(r) for r in rows])


# ---- root and preflight ----------------------------------------------------------------------

def require_root() -> None:
    """Stop with a clear message unless this chapter can run: as root, or as an ordinary user with their own
    rootless engine (docs/rootless.md), whose cells that truly need root skip through root_only()."""
    if os.geteuid() == 0:
        return
    from .rootless import launcher  # noqa: F401 - the rootless engine is part of this install

    if not Path("/usr/bin/newuidmap").exists():
        raise PermissionError("this chapter needs root, or the uidmap package for a rootless engine (newuidmap)")
    print(f"rootless: your own engine (state {paths.state_dir()}); cells that need root say so and skip")


def root_only(what: str) -> bool:
    """True as root; otherwise say which step needs root and why it is skipped (the cell then does nothing,
    never a faked result)."""
    if os.geteuid() == 0:
        return True
    print(f"skipped (needs root): {what}")
    return False


def ping(sock: Path | None = None, timeout: float = 1.0) -> bool:
    """True if an engine answers GET /_ping with OK on its API socket."""
    sock = sock or paths.api_socket()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(str(sock))
            s.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(4096):
                data += chunk
    except OSError:
        return False
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b" ", 2)
    return len(status) > 1 and status[1] == b"200" and b"OK" in body


def rooted(text: str) -> str:
    """text with the course root and the engine root ($MINIDOCKER_ROOT) written as those variables' names,
    so that what a chapter prints is the same on every machine, whatever roots it runs under."""
    from .course import ENV_COURSE_ROOT, course_root

    roots = [(str(course_root()), "$" + ENV_COURSE_ROOT)]
    if paths.root() is not None:
        roots.append((str(paths.root()), "$" + paths.ENV_ROOT))
    for root, name in sorted(roots, key=lambda r: len(r[0]), reverse=True):  # the longer first: one may hold the other
        text = re.sub(re.escape(root.rstrip("/")) + r"(?=[/\s'\"]|$)", lambda _: name, text, flags=re.M)
    return text


def preflight() -> Table:
    """Root, kernel features (namespaces, overlayfs, cgroups) and the engine, one line each."""
    rows = [[c.name, "ok" if c.ok else "MISSING", c.detail] for c in host.checks()]
    up = ping()
    rows.append(["engine", "ok" if up else "not running", rooted(str(paths.api_socket()))])
    return table(["check", "status", "detail"], rows)


# ---- the engine ------------------------------------------------------------------------------

def cli_path() -> list[str]:
    """The command that runs the minidocker client: the venv's console script, else `python -m`."""
    script = Path(sys.executable).parent / "minidocker"
    return [str(script)] if script.exists() else [sys.executable, "-m", "minidocker.client.cli"]


@dataclass
class Engine:
    """A running engine (its root and socket); call it like the CLI: eng("ps", "-a")."""

    root: Path | None
    socket: Path

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The environment that points the CLI at this engine (on top of `base`, default ours)."""
        env = dict(os.environ if base is None else base)
        if self.root is None:
            env.pop(paths.ENV_ROOT, None)
        else:
            env[paths.ENV_ROOT] = str(self.root)
        return env

    def __call__(self, *args: str, check: bool = True, input: str | None = None,
                 env: dict[str, str] | None = None) -> str:
        """Run `minidocker ARGS...` against this engine and return its output (stdout + stderr).

        env: the client's whole environment (as if typed on another host); default ours.
        """
        proc = subprocess.run(cli_path() + list(args), env=self.env(env), input=input,
                              capture_output=True, text=True, timeout=120)
        out = proc.stdout + proc.stderr
        if check and proc.returncode != 0:
            raise RuntimeError(f"minidocker {' '.join(args)} exited {proc.returncode}: {out.strip()}")
        return out

    def transcript(self, *args: str) -> str:
        """Run `minidocker ARGS...` and return its progress (stderr: a pull, say) before its output (stdout),
        in the order a terminal shows them; raises as __call__ does."""
        proc = subprocess.run(cli_path() + list(args), env=self.env(), capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"minidocker {' '.join(args)} exited {proc.returncode}: {(proc.stdout + proc.stderr).strip()}")
        return proc.stderr + proc.stdout

    def status(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
        """Run `minidocker ARGS...` and return (exit code, output) without raising."""
        proc = subprocess.run(cli_path() + list(args), env=self.env(env), capture_output=True, text=True,
                              timeout=120)
        return proc.returncode, proc.stdout + proc.stderr

    def stop(self) -> None:
        """Stop this engine's daemons (`minidocker daemon stop`)."""
        self("daemon", "stop", check=False)


def _socket_for(root: Path | None) -> Path:
    """The API socket of the engine at root (paths.api_socket() computed for that root)."""
    saved = os.environ.get(paths.ENV_ROOT)
    try:
        if root is None:
            os.environ.pop(paths.ENV_ROOT, None)
        else:
            os.environ[paths.ENV_ROOT] = str(root)
        return paths.api_socket()
    finally:
        if saved is None:
            os.environ.pop(paths.ENV_ROOT, None)
        else:
            os.environ[paths.ENV_ROOT] = saved


def engine(root: str | Path | None = "env", timeout: float = 30.0) -> Engine:
    """The engine at `root`, started with `minidocker daemon start` if it does not answer /_ping.

    root="env" (the default) means $MINIDOCKER_ROOT, or the system engine when it is unset; None is
    the system engine; a path is a private engine of its own (its state, sockets, cgroups, bridge);
    a bare name ("ch04") is a chapter's own engine under the course root (minidocker.course).
    """
    if isinstance(root, str) and root != "env" and "/" not in root:
        from .course import course_root

        root = course_root() / root
    root = paths.root() if root == "env" else (Path(root) if root else None)
    eng = Engine(root, _socket_for(root))
    if ping(eng.socket):
        return eng
    if eng.root is not None:
        eng.root.mkdir(parents=True, exist_ok=True)
    # Notebooks run in parallel (pytest -n 2): one starts the daemons, the others wait for it.
    import fcntl

    eng.socket.parent.mkdir(parents=True, exist_ok=True)
    with open(eng.socket.parent / "teach-engine.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ping(eng.socket):
            subprocess.run(cli_path() + ["daemon", "start"], env=eng.env(), capture_output=True, timeout=timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ping(eng.socket):
            return eng
        time.sleep(0.1)
    raise RuntimeError(f"the engine did not answer /_ping on {eng.socket} within {timeout:.0f}s")


# ---- small things chapters use ---------------------------------------------------------------

def sh(command: str, check: bool = True, timeout: float = 120, env: dict[str, str] | None = None) -> str:
    """Run a shell command on the host and return its output (env: its whole environment; default ours)."""
    proc = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{command!r} exited {proc.returncode}: {(proc.stdout + proc.stderr).strip()}")
    return proc.stdout + proc.stderr


def image_layers(eng: Engine, ref: str) -> list[str]:
    """The image's layer digests (its RootFS.Layers, the diff IDs), bottom first."""
    import json

    return json.loads(eng("image", "inspect", "--format", "{{json .RootFS.Layers}}", ref))


def container_pids(eng: Engine, names: Iterable[str]) -> dict[str, int]:
    """Each running container's main process, as the engine reports it (inspect .State.Pid)."""
    return {n: int(eng("inspect", "--format", "{{.State.Pid}}", n).strip()) for n in names}


def container_memory(eng: Engine, names: Iterable[str]) -> int:
    """Resident memory (bytes) a container costs: its processes and the shim that keeps it."""
    import psutil

    from minidocker.observe import procs

    total = 0
    for pid in container_pids(eng, names).values():
        try:
            main = psutil.Process(pid)
            group = [main] + main.children(recursive=True)
            parent = main.parent()
            if parent is not None and procs.role_of(parent.name(), parent.cmdline()) == "shim":
                group.append(parent)
            total += sum(p.memory_info().rss for p in group)
        except psutil.Error:
            continue
    return total
