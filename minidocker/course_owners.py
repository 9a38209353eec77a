"""What an engine root owns, found exactly (cf. runc `kill --all` and containerd's shim cleanup, which find a
container's processes by its cgroup and recorded pids, never by a name or a string on a command line).

A process belongs to a root when, path components compared (never substrings, so /x/root never owns what
/x/root2 runs):
- a pid file under the root names it (the daemons' *.pid, a shim's shim.json, a runtime's state.json), and
  it started before that file was written (a recycled pid started after);
- it lives in the root's cgroup (a component of its cgroup path is the root's instance name);
- its executable, working directory or root directory lies under the root;
- its mount namespace's root is a mount under the root (a container's overlay or bind-mounted rootfs);
- it was started with MINIDOCKER_ROOT equal to the root (the engine's programs, a client, the notebook
  kernel a grader ran against that root), the whole value compared.
The caller and its ancestors never belong to anything: a reset run under `timeout` or from a shell whose
working directory is the root must not kill its own parents.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .linux import process

RECORD_DEPTH = 4  # run/containerd/<id>/shim.json, state-minirunc/<id>/state.json: records sit shallow


def under(path: str | Path, root: Path) -> bool:
    """Whether path is root or lies below it, comparing whole components."""
    parts = Path(path).parts
    return parts[:len(root.parts)] == root.parts


def ancestors() -> set[int]:
    """This process and every parent up to init."""
    found, pid = set(), os.getpid()
    while pid > 0 and pid not in found:
        found.add(pid)
        fields = process.stat_fields(pid)
        pid = int(fields[1]) if fields else 0
    return found


def _link(pid: int, name: str) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/{name}").removesuffix(" (deleted)")
    except OSError:
        return None


def _started_at(pid: int) -> float | None:
    """The process's start as a wall-clock time (to the second: /proc/stat's btime has no more)."""
    ticks = process.start_time(pid)
    if ticks is None:
        return None
    with open("/proc/stat") as f:
        btime = next(int(line.split()[1]) for line in f if line.startswith("btime "))
    return btime + ticks / os.sysconf("SC_CLK_TCK")


def _records(root: Path):
    """The pid records under root, not descending into mounts (a container's rootfs, a volume)."""
    for top, dirs, files in os.walk(root):
        depth = len(Path(top).parts) - len(root.parts)
        dirs[:] = [d for d in dirs if depth < RECORD_DEPTH and not os.path.ismount(os.path.join(top, d))]
        for name in files:
            if name.endswith(".pid") or name in ("shim.json", "state.json"):
                yield Path(top) / name


def _recorded_pid(record: Path) -> tuple[int, int | None] | None:
    """(pid, its start time in ticks if the record keeps one) from a pid file, shim.json or state.json."""
    try:
        text = record.read_text()
        if record.suffix == ".pid":
            return int(text.split()[0]), None
        data = json.loads(text)
    except (OSError, ValueError, IndexError):
        return None
    if not isinstance(data, dict):
        return None
    pid = data.get("pid") or data.get("init_process_pid")  # minirunc / shim, runc
    start = data.get("starttime") or data.get("init_process_start")
    try:
        return (int(pid), int(start) if start is not None else None) if pid else None
    except (TypeError, ValueError):
        return None


def recorded(root: Path) -> dict[int, str]:
    """Live processes named by the root's pid records, checked against recycling."""
    found = {}
    for record in _records(root):
        entry = _recorded_pid(record)
        if entry is None:
            continue
        pid, ticks = entry
        if ticks is not None:
            if process.start_time(pid) != ticks:
                continue
        else:
            started = _started_at(pid)
            try:
                if started is None or started > record.stat().st_mtime + 1:
                    continue  # written before this process existed: the pid was reused
            except OSError:
                continue
        found[pid] = f"pid file {record}"
    return found


def _mounts(pid: int | str) -> list[list[str]]:
    try:
        with open(f"/proc/{pid}/mountinfo") as f:
            return [line.split() for line in f]
    except OSError:
        return []


def _unescape(path: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as octal (\\040)."""
    return path.encode().decode("unicode_escape") if "\\" in path else path


def _root_mount_paths(pid: int, host: list[list[str]]) -> list[str]:
    """Where, on this side, the process's root mount comes from: its overlay's upper and work directories,
    else every host mount point of the same filesystem that reaches it (dev and root of mountinfo)."""
    mine = [m for m in _mounts(pid) if len(m) > 4 and m[4] == "/"]
    if not mine:
        return []
    fields = mine[-1]  # the topmost mount on "/" is the process's root
    rest = fields[fields.index("-") + 1:]
    if rest and rest[0] == "overlay" and len(rest) > 2:
        opts = dict(o.split("=", 1) for o in rest[2].split(",") if "=" in o)
        dirs = [_unescape(opts[k]) for k in ("upperdir", "workdir") if k in opts]
        if dirs:
            return dirs
    dev, fsroot = fields[2], Path(_unescape(fields[3]))
    seen = []
    for m in host:
        if len(m) > 4 and m[2] == dev and under(fsroot, Path(_unescape(m[3]))):
            seen.append(str(Path(_unescape(m[4])) / fsroot.relative_to(_unescape(m[3]))))
    return seen


def owned(root: Path, instance: str) -> dict[int, str]:
    """Every live process that belongs to root (pid -> why), never this process nor its ancestors."""
    root = Path(root).resolve()
    skip = ancestors()
    found = {pid: why for pid, why in recorded(root).items() if pid not in skip}
    my_mnt, host = _link(os.getpid(), "ns/mnt"), _mounts("self")
    env_entry = f"MINIDOCKER_ROOT={root}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        if pid in skip or pid in found or process.state(pid) in (None, "Z", "X"):
            continue
        why = _why(pid, root, instance, my_mnt, host, env_entry)
        if why:
            found[pid] = why
    return found


def _why(pid: int, root: Path, instance: str, my_mnt: str | None, host: list[list[str]], env_entry: bytes) -> str | None:
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            if any(instance in line.rstrip("\n").split(":", 2)[-1].split("/") for line in f):
                return f"cgroup {instance}"
    except OSError:
        return None
    for name in ("exe", "cwd", "root"):
        target = _link(pid, name)
        if target and target.startswith("/") and under(target, root):
            return f"{name} {target}"
    if _link(pid, "ns/mnt") != my_mnt:
        sources = _root_mount_paths(pid, host)
        if sources and all(under(s, root) for s in sources):
            return f"root mount from {sources[0]}"
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            if env_entry in f.read().split(b"\0"):  # the whole entry: MINIDOCKER_ROOT=/x/root2 is not /x/root's
                return f"started with {env_entry.decode()}"
    except OSError:
        pass
    return None


def recorded_cgroups(root: Path) -> list[Path]:
    """The cgroup directories the root's runtime state records (a bundle run by hand, as chapter 06 does)."""
    found = []
    for record in _records(Path(root).resolve()):
        if record.name != "state.json":
            continue
        try:
            data = json.loads(record.read_text())
        except (OSError, ValueError):
            continue
        paths = data.get("cgroup_paths") if isinstance(data, dict) else None
        if isinstance(paths, dict):
            found += [Path(p) for p in paths.values() if isinstance(p, str) and under(p, Path("/sys/fs/cgroup"))]
        elif isinstance(paths, str) and under(paths, Path("/sys/fs/cgroup")):
            found.append(Path(paths))
    return found
