"""What a shim holds, read from outside: its open files (/proc/<pid>/fd), its answer about a process's exit,
and the daemons it outlives (cf. containerd-shim-runc-v2 task service; pkg/process/io.go; proc(5)).

A container's stdout is a pipe whose read end the shim holds; the shim copies it into the json log and into
a FIFO that dockerd reads. Killing dockerd closes dockerd's end of the FIFO only: the pipe, the shim's ends
and the log stay, so the container never gets SIGPIPE.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import graphviz


STDIO = {0: "stdin", 1: "stdout", 2: "stderr"}


def fds(pid: int) -> dict[int, str]:
    """fd -> what it points at (a path, "pipe:[ino]", "socket:[ino]", "/dev/null"), as `ls -l /proc/PID/fd`."""
    out = {}
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            out[int(name)] = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue  # closed meanwhile
    return dict(sorted(out.items()))


def kind(target: str) -> str:
    """A file's kind in words: pipe, socket, FIFO (named pipe), json log, /dev/null, file."""
    if target.startswith("pipe:"):
        return "pipe"
    if target.startswith("socket:"):
        return "socket"
    if target.endswith("-json.log"):
        return "json log"
    if "/fifo/" in target:
        return "FIFO " + target.rsplit("/", 1)[-1]
    return target if target.startswith("/dev/") else "file"


def stdio_rows(container_pid: int, shim_pid: int) -> list[list[str]]:
    """For the container's fds 0-2: what each is, and whether the shim holds the same pipe's other end."""
    mine, shims = fds(container_pid), fds(shim_pid)
    rows = []
    for fd, name in STDIO.items():
        target = mine.get(fd, "(closed)")
        held = target.startswith("pipe:") and target in shims.values()
        rows.append([f"{fd} ({name})", kind(target), "yes: the shim reads the other end" if held else "no"])
    return rows


def holders(target: str, pids: list[int]) -> list[int]:
    """Which of pids have target (a FIFO path or pipe) open."""
    out = []
    for pid in pids:
        try:
            if target in fds(pid).values():
                out.append(pid)
        except OSError:
            pass
    return out


def stdio_graph(container_pid: int, shim_pid: int, dockerd_pid: int | None) -> graphviz.Digraph:
    """container --pipe--> shim --> json log / FIFO --> dockerd, drawn from the fds open right now."""
    # nodesep/ranksep and the labels' spaces keep each label clear of the edges (Graphviz packs them tight)
    g = graphviz.Digraph("stdio", graph_attr={"rankdir": "LR", "nodesep": "0.4", "ranksep": "0.7"},
                         node_attr={"fontname": "Helvetica", "fontsize": "10", "shape": "box", "style": "rounded,filled"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    g.node("c", f"container\nhost PID {container_pid}", fillcolor="#bbf7d0", role="container")
    g.node("s", f"minidocker-shim\nhost PID {shim_pid}", fillcolor="#e9d5ff", role="shim")
    if dockerd_pid:
        g.node("d", f"minidockerd\nhost PID {dockerd_pid}", fillcolor="#bfdbfe", role="dockerd")
    mine, shims = fds(container_pid), fds(shim_pid)
    for fd, name in STDIO.items():
        target = mine.get(fd, "")
        if target.startswith("pipe:") and target in shims.values():
            g.edge("c", "s", label=f" {name}: {target} ", kind="pipe")
    for sfd, target in shims.items():
        k = kind(target)
        if k == "json log":
            g.node("log", "json-file log\n" + target.rsplit("/", 1)[-1][:12] + "…-json.log", shape="note",
                   fillcolor="#fef9c3", role="log")
            g.edge("s", "log", label=f" writes (fd {sfd}) ", kind="file")
        elif k.startswith("FIFO"):
            node = "f" + str(sfd)
            g.node(node, k, shape="cds", fillcolor="#fde68a", role="fifo")
            g.edge("s", node, label=f" writes (fd {sfd}) ", kind="fifo")
            if dockerd_pid and dockerd_pid in holders(target, [dockerd_pid]):
                g.edge(node, "d", label=" read by ", kind="fifo")
    return g


def bundle_of(root: str | Path, container_id: str) -> Path:
    """The task's bundle directory containerd made for the shim (run/containerd/tasks/<id>)."""
    return Path(root) / "run" / "containerd" / "tasks" / container_id


def ask_shim(root: str | Path, container_id: str, wait: bool = True, timeout: float = 30.0) -> dict:
    """Ask the container's shim, on its own socket, for the state of the init process (no daemon involved).

    wait: first make the `wait` request, which returns once the shim has recorded the exit; the process
    being gone from /proc is not enough, the shim may still be draining its output."""
    from minidocker.containerd.shims import ShimRef

    ref = ShimRef.read(str(bundle_of(root, container_id)))
    if wait:
        ref.call("wait", timeout=timeout)
    return ref.call("state", timeout=10)


def exit_record(root: str | Path, container_id: str) -> dict:
    """The State dockerd wrote to disk (config.v2.json) for the container: status, exit code, OOM."""
    data = json.loads((Path(root) / "lib" / "containers" / container_id / "config.v2.json").read_text())
    state = data.get("State", {})
    return {k: state.get(k) for k in ("Status", "Running", "ExitCode", "OOMKilled", "Pid") if k in state}


def daemon_pids(root: str | Path) -> dict[str, int]:
    """role -> pid of the running daemons, from their pid files under run/."""
    out = {}
    for role, name in (("dockerd", "minidockerd"), ("containerd", "minicontainerd")):
        try:
            out[role] = int((Path(root) / "run" / f"{name}.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return out


def crash_daemons(root: str | Path, timeout: float = 10.0) -> dict[str, int]:
    """SIGKILL dockerd and containerd (no clean-up, no goodbye) and wait until both are gone."""
    pids = daemon_pids(root)
    for pid in pids.values():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while any(alive(p) for p in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    # A killed daemon stays a zombie until PID 1 reaps it, which on some machines takes long; its pid
    # file would still name it. Forget it, as a service manager forgets a dead service's main PID.
    for name in ("minidockerd", "minicontainerd"):
        (Path(root) / "run" / f"{name}.pid").unlink(missing_ok=True)
    return pids


def alive(pid: int) -> bool:
    """The process exists and has not exited: a zombie (dead, not yet reaped) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:][:1] not in ("Z", "X", "")


def wait_gone(pid: int, timeout: float = 30.0) -> bool:
    """Poll until a process has exited (or is a zombie); False on timeout."""
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def json_log(root: str | Path, container_id: str) -> Path:
    """The container's json-file log, where the shim writes (lib/containers/<id>/<id>-json.log)."""
    return Path(root) / "lib" / "containers" / container_id / f"{container_id}-json.log"


def log_grows(path: Path, seconds: float = 5.0) -> bool:
    """Count the log's lines, then poll for up to `seconds`: True as soon as lines were added."""
    def lines() -> int:
        with open(path, "rb") as f:
            return sum(1 for _ in f)

    first = lines()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if lines() > first:
            return True
    return False
