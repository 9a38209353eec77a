"""The course's engines: where chapters keep their own, and how to reset them (cf. `docker system prune` plus stopping dockerd).

Each chapter that needs an engine of its own keeps it under the course root,
$MINIDOCKER_COURSE_ROOT or /var/lib/minidocker-course (`<course root>/ch04`, ...). `reset(root)`
stops an engine root completely: its daemons, shims and containers (found by the root in their
command line or environment, or by the root's cgroup), every mount under it, its cgroups, its bridge
and NAT chains; then removes the directory. `python -m minidocker.course reset [DIR]` resets every
engine root below DIR (the course root by default): a teacher's "start again", and what the test
command does after the notebooks ran.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import paths
from .linux.removeall import remove_all_quietly

ENV_COURSE_ROOT = "MINIDOCKER_COURSE_ROOT"


def course_root() -> Path:
    """Where chapters keep their own engines."""
    return Path(os.environ.get(ENV_COURSE_ROOT) or "/var/lib/minidocker-course")


def _instance(root: Path) -> str:
    saved = os.environ.get(paths.ENV_ROOT)
    os.environ[paths.ENV_ROOT] = str(root)
    try:
        return paths.instance_name()
    finally:
        if saved is None:
            os.environ.pop(paths.ENV_ROOT, None)
        else:
            os.environ[paths.ENV_ROOT] = saved


def _pids_of(root: Path, instance: str) -> set[int]:
    """Every process that names this root on its command line or in MINIDOCKER_ROOT, or lives in its cgroup."""
    me, found, text = os.getpid(), set(), str(root)
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
            env = Path(f"/proc/{entry}/environ").read_bytes().decode(errors="replace")
            cgroup = Path(f"/proc/{entry}/cgroup").read_text()
        except OSError:
            continue
        if text in cmd or f"{paths.ENV_ROOT}={text}\0" in env + "\0" or f"/{instance}/" in cgroup:
            found.add(int(entry))
    return found


def _kill_all(root: Path, instance: str) -> None:
    for _ in range(5):
        pids = _pids_of(root, instance)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.2)


def _unmount_under(root: Path) -> None:
    prefix = str(root)
    for _ in range(3):
        with open("/proc/self/mountinfo") as f:
            mine = sorted({line.split()[4] for line in f if line.split()[4] == prefix or line.split()[4].startswith(prefix + "/")},
                          key=len, reverse=True)
        if not mine:
            return
        for target in mine:
            subprocess.run(["umount", "-l", target], capture_output=True)


def _remove_cgroups(instance: str) -> None:
    base = Path("/sys/fs/cgroup")
    for top in [base] + [p for p in base.iterdir() if p.is_dir()]:
        group = top / instance
        if group.is_dir():
            for sub in sorted((p for p in group.rglob("*") if p.is_dir()), key=lambda p: len(str(p)), reverse=True):
                try:
                    sub.rmdir()
                except OSError:
                    pass
            try:
                group.rmdir()
            except OSError:
                pass


def _remove_network(root: Path) -> None:
    saved = os.environ.get(paths.ENV_ROOT)
    os.environ[paths.ENV_ROOT] = str(root)
    try:
        from .dockerd.networks import NetworkManager

        NetworkManager(root / "lib" / "network").cleanup_instance()
    except Exception:  # noqa: BLE001 - nothing was made there, or networking was never used
        pass
    finally:
        if saved is None:
            os.environ.pop(paths.ENV_ROOT, None)
        else:
            os.environ[paths.ENV_ROOT] = saved


def reset(root: Path, remove: bool = True) -> None:
    """Stop and clean one engine root: processes, mounts, cgroups, bridge and NAT chains; then remove it."""
    root = Path(root).resolve()
    instance = _instance(root)
    _kill_all(root, instance)
    _unmount_under(root)
    _remove_cgroups(instance)
    _remove_network(root)
    if remove:
        remove_all_quietly(root)


def engine_roots(under: Path) -> list[Path]:
    """The engine roots directly below a directory (those holding lib/ or run/)."""
    if not under.is_dir():
        return []
    return sorted(p for p in under.iterdir() if p.is_dir() and ((p / "lib").is_dir() or (p / "run").is_dir()))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "reset" or len(args) > 2:
        print("usage: python -m minidocker.course reset [DIR]   (default: the course root)", file=sys.stderr)
        return 2
    under = Path(args[1]) if len(args) == 2 else course_root()
    roots = engine_roots(under)
    if (under / "lib").is_dir() or (under / "run").is_dir():
        roots.append(under)
    for root in roots:
        reset(root)
        print(f"reset {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
