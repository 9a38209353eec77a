"""Chapter 06's live helpers: an OCI bundle by hand, both runtimes' command lines, and what /proc says
about a container's processes (cf. the runtime spec's bundle.md and runtime.md; `runc list`, `ps`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import graphviz

MINIRUNC = str(Path(sys.executable).parent / "minirunc")


def make_bundle(where: str | Path, rootless: bool | None = None) -> Path:
    """A fresh bundle directory: the busybox root filesystem in rootfs/ and config.json from `minirunc spec`;
    for an ordinary user (rootless None: whoever runs this) `minirunc spec --rootless`, as `runc spec --rootless`:
    a user namespace where they are root, the host's network, no cgroup limits."""
    from minidocker import baseimage

    where = Path(where)
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    baseimage.make_rootfs(where / "rootfs")
    rootless = os.geteuid() != 0 if rootless is None else rootless
    subprocess.run([MINIRUNC, "spec", *(["--rootless"] if rootless else [])], cwd=where, check=True)
    return where


def delegated_cgroup(name: str) -> str | None:
    """For an ordinary user with a cgroup subtree delegated to them (run-classroom, `minidocker rootless
    delegate`): a cgroupsPath below it for a container of their own, else None."""
    from minidocker.rootless import cgroups

    rel = cgroups.find(os.geteuid()) if os.geteuid() != 0 else None
    return f"{rel}/{name}" if rel else None


def limit_memory(bundle: str | Path, state_root: str | Path, limit: int) -> bool:
    """Put linux.resources.memory.limit into config.json if this user's runtime can apply it: always as root;
    as an ordinary user only in the cgroup subtree delegated to them (linux.cgroupsPath goes there). minirunc is
    asked (a trial create): where it refuses, its refusal is printed and the limit taken out again (False)."""
    edit_config(bundle, linux__resources__memory={"limit": limit})
    if os.geteuid() == 0:
        return True
    inside = delegated_cgroup(Path(bundle).resolve().parent.name)
    if inside:
        edit_config(bundle, linux__cgroupsPath=inside)
    trial = "limit-trial-" + os.urandom(4).hex()
    said = runtime("minirunc", state_root, "create", "--bundle", str(bundle), trial, check=False)
    runtime("minirunc", state_root, "delete", "--force", trial, check=False)
    if said.rstrip().endswith("(exit code 0)"):
        return True
    spec = json.loads((Path(bundle) / "config.json").read_text())
    spec["linux"]["resources"].pop("memory")
    (Path(bundle) / "config.json").write_text(json.dumps(spec, indent="\t"))
    print("no memory limit: minirunc refuses it for you, it does not ignore it:",
          said.strip().splitlines()[0].removeprefix("minirunc: "))
    return False


def edit_config(bundle: str | Path, **fields: object) -> dict:
    """Change config.json the way one would in an editor: process.args, process.terminal, hostname,
    linux.resources.memory.limit ... given as keyword arguments with dots replaced by "__"."""
    path = Path(bundle) / "config.json"
    spec = json.loads(path.read_text())
    for dotted, value in fields.items():
        keys = dotted.split("__")
        node = spec
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    path.write_text(json.dumps(spec, indent="\t"))
    return spec


def runtime(program: str, root: str | Path, *args: str, check: bool = True) -> str:
    """Run `minirunc` or `runc` with its own --root; its output as text. Output goes through a file,
    not a pipe: a created container's init inherits it and would keep a pipe open."""
    exe = MINIRUNC if program == "minirunc" else shutil.which(program) or program
    with tempfile.TemporaryFile() as out:
        done = subprocess.run([exe, "--root", str(root), *args], stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        out.seek(0)
        text = out.read().decode()
    if check and done.returncode != 0:
        raise RuntimeError(f"{program} {' '.join(args)} exited with {done.returncode}: {text.strip()}")
    return text if check else f"{text}(exit code {done.returncode})"


def state(program: str, root: str | Path, container_id: str) -> dict:
    return json.loads(runtime(program, root, "state", container_id))


# Prints a container's memory limit from inside it, whichever cgroup version and /sys/fs/cgroup layout it has:
# v2 with its own cgroup at /sys/fs/cgroup (minirunc, a cgroup namespace), v2 showing the whole tree (runc
# without one), or v1's memory hierarchy (a hybrid host).
MEMORY_LIMIT_SH = ("for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)/memory.max "
                   "/sys/fs/cgroup/memory/memory.limit_in_bytes; do [ -r $f ] && cat $f && break; done")


def show_memory_limit(pid: int, limited: bool) -> Path | None:
    """Print the memory limit of pid's cgroup, read on the host; the file it is in (None when no limit was set)."""
    if not limited:
        print("memory limit: none (no cgroup of its own: see the refusal above)")
        return None
    limit = memory_limit_file(pid)
    print("memory limit:", int(limit.read_text()) // 2**20, "MiB")
    return limit


def memory_limit_file(pid: int) -> Path:
    """The file that holds the memory limit of pid's cgroup, seen from the host, on either cgroup version:
    memory.max in the v2 (unified) tree, memory.limit_in_bytes in v1's memory hierarchy."""
    from minidocker.runc import cgroups

    own, points = cgroups.own_cgroups(str(pid)), cgroups.hierarchies()
    if cgroups.is_unified():
        return Path(points[cgroups.UNIFIED], own[cgroups.UNIFIED].lstrip("/"), "memory.max")
    key = next(k for k in own if "memory" in k.split(","))
    return Path(points[key], own[key].lstrip("/"), "memory.limit_in_bytes")


def _comm(pid: int) -> str:
    with open(f"/proc/{pid}/comm") as f:
        return f.read().strip()


def _ppid(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("PPid:"):
                return int(line.split()[1])
    return 0


def runtime_processes(mentioning: str | Path) -> list[str]:
    """Names of the runtime processes (minirunc, runc, their waiting inits) whose command line mentions
    `mentioning`, e.g. a --root directory: other people's containers on the same host are not ours."""
    names = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                name = _comm(int(entry))
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            if name.startswith(("minirunc", "runc")) and str(mentioning).encode() in cmdline:
                names.append(name)
    return sorted(names)


def describe_init(pid: int) -> list[tuple[str, str]]:
    """What /proc tells about a container's init: its name, state, parent, and the files it holds."""
    with open(f"/proc/{pid}/stat") as f:
        state_letter = f.read().rsplit(")", 1)[1].split()[0]
    try:
        held = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in sorted(os.listdir(f"/proc/{pid}/fd"), key=int)]
        fifo = str(any(h.endswith("/exec.fifo") for h in held))
    except PermissionError:  # an ordinary user's: the init is not dumpable until it execs (CVE-2019-5736)
        fifo = "cannot tell: until it execs, the init is not dumpable, and only root may read its /proc/PID/fd"
    parent = _ppid(pid)
    return [
        ("name (comm)", _comm(pid)),
        ("state", {"S": "S (sleeping: blocked in a system call)", "R": "R (running)"}.get(state_letter, state_letter)),
        ("parent is a runtime process", str(_comm(parent).startswith(("minirunc", "runc")) if parent else False)),
        ("holds the exec fifo", fifo),
    ]


def lifecycle_graph() -> graphviz.Digraph:
    """The container status machine, drawn from minirunc's own transition table (runc.state.ALLOWED)."""
    from minidocker.runc.state import ALLOWED, Status

    moves = {"create": (None, Status.CREATED), "start": (Status.CREATED, Status.RUNNING),
             "process exits / kill": (Status.RUNNING, Status.STOPPED)}
    g = graphviz.Digraph(name="lifecycle", graph_attr={"rankdir": "LR"}, node_attr={"fontname": "Helvetica"})
    g.node("none", "(no container)", shape="plaintext")
    for status in (Status.CREATED, Status.RUNNING, Status.PAUSED, Status.STOPPED):
        g.node(status.value, status.value, shape="box", style="rounded")
    for label, (src, dst) in moves.items():
        g.edge(src.value if src else "none", dst.value, label=label)
    for status in ALLOWED["pause"] & {Status.RUNNING}:
        g.edge(status.value, Status.PAUSED.value, label="pause")
    for status in ALLOWED["resume"]:
        g.edge(status.value, Status.RUNNING.value, label="resume")
    for status in ALLOWED["delete"]:
        g.edge(status.value, "none", label="delete", style="dashed")
    g.edge(Status.RUNNING.value, "none", label="delete --force", style="dotted")
    return g
