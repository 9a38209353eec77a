"""Running another program as root of a rootless engine's user namespace, beside its daemons (cf. rootlesskit's
`nsenter -U --preserve-credentials -t $(cat child_pid)`, which rootless containerd's docs use, and
containerd-rootless.sh's `--copy-up=/run`: /run is the host's and root's, so the program gets its own).

The program keeps the host's network (it needs none of the engine's) and gets a mount namespace of its own
(owned by the engine's user namespace) with a private tmpfs over each directory in `private`: a program
that insists on root's /run/PROGRAM then writes there, and nothing it mounts reaches the host or the engine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable


def holder_of(engine_root: str | Path) -> int:
    """The namespace holder of the rootless engine whose MINIDOCKER_ROOT is engine_root (raises if none lives)."""
    from .launcher import HOLDER_NAME

    pidfile = Path(engine_root) / "run" / "rootlesskit.pid"
    try:
        pid = int(pidfile.read_text().split()[0])
        if Path(f"/proc/{pid}/comm").read_text().strip() == HOLDER_NAME[:15] and os.stat(f"/proc/{pid}").st_uid == os.geteuid():
            return pid
    except (OSError, ValueError, IndexError):
        pass
    raise RuntimeError(f"no rootless engine of yours is running at {engine_root} (start it first)")


def preexec(holder: int, private: tuple[str, ...] = ()) -> Callable[[], None]:
    """A subprocess preexec_fn: join holder's user namespace (the forked child is single-threaded, as setns of
    a user namespace requires), make a mount namespace, a tmpfs over each of `private`."""
    from ..linux import mount as mnt  # imported now: the forked child of a threaded kernel must not import
    from ..linux import namespaces as ns

    def enter() -> None:
        ns.setns(f"/proc/{holder}/ns/user", ns.CLONE_NEWUSER)  # our uid is root there: every capability in it
        ns.unshare(ns.CLONE_NEWNS)
        mnt.mount(None, "/", None, mnt.MS_REC | mnt.MS_PRIVATE)
        for directory in private:
            mnt.mount("tmpfs", directory, "tmpfs", mnt.MS_NOSUID | mnt.MS_NODEV, "mode=0711")
    return enter
