"""The course's engines: where chapters keep their own, and how to reset them (cf. `docker system prune` plus stopping dockerd).

Each chapter that needs an engine of its own keeps it under the course root,
$MINIDOCKER_COURSE_ROOT or /var/lib/minidocker-course (`<course root>/ch04`, ...). `reset(root)`
stops an engine root completely: its daemons, shims and containers (found exactly, see course_owners:
pid files, cgroups, executables, working directories and mount namespaces under the root; never by a
substring, never the caller's ancestors), every mount under it, its cgroups, its bridge and NAT chains;
then removes the directory. `python -m minidocker.course reset [DIR]` resets every
engine root below DIR (the course root by default): a teacher's "start again", and what the test
command does after the notebooks ran. Without DIR it also resets the chapters' fixed-path leftovers
(CHAPTER_LEFTOVERS); `--images` also removes what chapters and exercises made in the engine
$MINIDOCKER_ROOT names (the system engine when unset): containers and image names chNN-* and exNN-*.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from . import course_owners, paths
from .linux.removeall import remove_all_quietly

ENV_COURSE_ROOT = "MINIDOCKER_COURSE_ROOT"
CHAPTER_LEFTOVERS = (Path("/tmp/minidocker-ch06"),)
COURSE_NAME = re.compile(r"(ch|ex)\d\d-")


def course_root() -> Path:
    """Where chapters keep their own engines (an ordinary user's: beside their rootless engine's state)."""
    value = os.environ.get(ENV_COURSE_ROOT)
    if value:
        return Path(value)
    if paths.rootless():
        return paths.state_dir().parent / "minidocker-course"
    return Path("/var/lib/minidocker-course")


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


def kill_until_gone(find: Callable[[], set[int]], rounds: int = 10) -> None:
    """SIGKILL what find() names, again until it names nothing (children forked meanwhile), at most `rounds` times."""
    for _ in range(rounds):
        pids = find()
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)


def _kill_all(root: Path, instance: str) -> None:
    """SIGKILL what the root owns (course_owners.owned)."""
    kill_until_gone(lambda: set(course_owners.owned(root, instance)))


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


def remove_cgroups(instance: str, recorded: list[Path] = ()) -> None:
    """rmdir the instance's (empty) cgroups, deepest first, in the v2 tree (/sys/fs/cgroup/<instance>) and in
    every v1 hierarchy (/sys/fs/cgroup/<controller>/<instance>); and the cgroups a runtime's state recorded."""
    base = Path("/sys/fs/cgroup")
    for group in sorted(recorded, key=lambda p: len(p.parts), reverse=True):  # a bundle run by hand (chapter 06)
        try:
            group.rmdir()
        except OSError:
            pass
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
    if root == Path("/") or root == Path.home():
        raise ValueError(f"refusing to reset {root}")
    instance = _instance(root)
    recorded = course_owners.recorded_cgroups(root)  # read before the processes die and their state goes
    _kill_all(root, instance)
    _unmount_under(root)
    remove_cgroups(instance, recorded)
    _remove_network(root)
    if remove:
        remove_all_quietly(root)


def engine_roots(under: Path) -> list[Path]:
    """The engine roots directly below a directory (those holding lib/ or run/)."""
    if not under.is_dir():
        return []
    return sorted(p for p in under.iterdir() if p.is_dir() and ((p / "lib").is_dir() or (p / "run").is_dir()))


def leftovers() -> list[Path]:
    """Fixed paths chapters used before they kept everything under the course root (reset with it)."""
    return [p for p in CHAPTER_LEFTOVERS if p.exists()]


def _course_name(name: str) -> bool:
    """A container or repository name a chapter (chNN-...) or an exercise (exNN-...) gives."""
    return bool(COURSE_NAME.match(name.lstrip("/").rsplit("/", 1)[-1]))


def remove_course_images() -> list[str]:
    """In the engine $MINIDOCKER_ROOT names (the system engine when unset), remove the containers and image
    names the chapters and exercises made (chNN-*, exNN-*); other containers and names stay. What was done."""
    from .client import APIClient
    from .client.errors import APIError

    done = []
    with APIClient(f"unix://{paths.api_socket()}") as api:
        for c in api.containers(all=True):
            names = [n for n in c.get("Names") or [] if _course_name(n)]
            if names:
                api.remove_container(c["Id"], force=True, v=True)
                done.append(f"container {names[0].lstrip('/')}")
        for image in api.images():
            for tag in image.get("RepoTags") or []:
                if _course_name(tag.rsplit(":", 1)[0]):
                    try:
                        api.remove_image(tag)
                        done.append(f"image {tag}")
                    except APIError as err:  # still used by a container that is not the course's
                        done.append(f"image {tag} kept: {err}")
    return done


USAGE = "usage: python -m minidocker.course reset [--images] [DIR]   (default DIR: the course root)"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    images = "--images" in args
    args = [a for a in args if a != "--images"]
    if not args or args[0] != "reset" or len(args) > 2 or any(a.startswith("-") for a in args[1:]):
        print(USAGE, file=sys.stderr)
        return 2
    under = Path(args[1]) if len(args) == 2 else course_root()
    roots = engine_roots(under)
    if (under / "lib").is_dir() or (under / "run").is_dir():
        roots.append(under)
    if len(args) == 1:  # the teacher's "start again" (an explicit DIR, as run-tests gives, is that DIR only)
        roots += leftovers()
    for root in roots:
        reset(root)
        print(f"reset {root}")
    if images:
        if not paths.api_socket().exists():
            print(f"no engine at {paths.api_socket()}: no images to remove")
            return 0
        try:
            for line in remove_course_images():
                print(f"removed {line}")
        except Exception as err:  # noqa: BLE001 - the engine's socket is there but nothing answers
            print(f"minidocker.course: cannot remove the course's images from {paths.api_socket()}: {err}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
