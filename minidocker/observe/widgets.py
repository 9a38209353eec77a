"""ipywidgets for exploring live: pick a container and see its processes, namespaces and cgroup; drag a memory limit and watch the OOM killer."""

from __future__ import annotations

from typing import Callable

from minidocker.observe import nsdiff, procs, tree


def container_rows(pid: int) -> list[list[str]]:
    """What the explorer shows for one container process: PIDs, namespaces against ours, cgroups."""
    p = procs.read(pid)
    rows = [["name", p.name], ["host PID / in-container PID", f"{p.pid} / {p.inner_pid}"]]
    for kind, host_ino, ctr_ino, shared in nsdiff.compare(pid):
        rows.append([f"{kind} namespace", f"{ctr_ino} ({'shared with host' if shared else 'own'})"])
    for controller in ("memory", "pids", "cpu", ""):
        if controller in p.cgroup:
            rows.append([f"cgroup {controller or 'v2'}", p.cgroup[controller]])
    return rows


def process_explorer(root: str | None = "env"):
    """A dropdown of the running containers' main processes; picking one shows its namespaces, cgroup and tree."""
    import ipywidgets as w
    from IPython.display import display

    from minidocker import teach
    from minidocker.observe import draw

    snap = tree.snapshot(root)
    mains = {f"{p.name} (host PID {p.pid})": p.pid for p in snap.by_role("container")
             if snap.procs.get(p.ppid) and snap.procs[p.ppid].role == "shim"}
    out = w.Output()
    pick = w.Dropdown(options=sorted(mains.items()) or [("no container running", 0)], description="container")

    def show(change=None) -> None:
        out.clear_output()
        with out:
            if not pick.value:
                print("start a container first (e.g. minidocker run -d busybox sleep 600)")
                return
            display(teach.table(["what", "value"], container_rows(pick.value)))
            display(teach.Figure(draw.process_graph(tree.snapshot(root))))

    pick.observe(show, names="value")
    show()
    return w.VBox([pick, out])


def memory_slider(run_hog: Callable[[int, int], tuple[int, str]], hog_mb: int = 64):
    """A slider for the memory limit (MiB); each move runs a container that allocates hog_mb MiB.

    run_hog(limit_bytes, hog_mb) -> (exit code, output): 137 means the kernel's OOM killer struck.
    """
    import ipywidgets as w

    out = w.Output()
    limit = w.IntSlider(value=32, min=8, max=256, step=8, description="limit MiB", continuous_update=False)

    def run(change=None) -> None:
        out.clear_output()
        with out:
            code, text = run_hog(limit.value * 2**20, hog_mb)
            verdict = "killed by the OOM killer (137 = 128 + SIGKILL)" if code == 137 else f"exit {code}"
            print(f"limit {limit.value} MiB, the program wants {hog_mb} MiB: {verdict}")
            if text.strip():
                print(text.strip())

    limit.observe(run, names="value")
    run()
    return w.VBox([limit, out])


def hog_command(hog_mb: int) -> list[str]:
    """A busybox memory hog: dd's buffer is one block of hog_mb MiB, filled for real."""
    return ["dd", "if=/dev/zero", "of=/dev/null", f"bs={hog_mb}M", "count=1"]
