"""`sudo minidocker rootless delegate USER [--memory 2g] [--pids 2048] [--cpus N]` and `rootless undelegate USER`:
a capped cgroup subtree for an existing user's rootless engine (cf. systemd's user@.service.d Delegate= drop-in
that rootless Docker's docs ask for); run-classroom does the same for its learners."""

from __future__ import annotations

import argparse
import os
from typing import Any

DEFAULT_MEMORY = "2g"
DEFAULT_PIDS = 2048


def cap_args(p: argparse.ArgumentParser, prefix: str = "") -> None:
    """The caps of a learner's whole subtree (their engine, containers and session together); 0: none."""
    p.add_argument(f"--{prefix}memory", default=DEFAULT_MEMORY, help="memory cap of the whole subtree (0: none)")
    p.add_argument(f"--{prefix}pids", type=int, default=DEFAULT_PIDS, help="process cap of the whole subtree (0: none)")
    p.add_argument(f"--{prefix}cpus", type=float, default=0.0, help="CPU cap of the whole subtree (0: none)")


def caps(memory: str, pids: int, cpus: float) -> dict[str, Any]:
    from ..config import ram_in_bytes

    return {"memory": ram_in_bytes(memory) or None, "pids": pids or None, "cpus": cpus or None}


def delegate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("user")
    cap_args(p)


def _refuse(cli: Any, what: str, user: str) -> int | None:
    import pwd

    if os.geteuid() != 0:
        cli.warn(f"minidocker rootless {what}: needs root (sudo minidocker rootless {what} {user})")
        return 1
    try:
        if pwd.getpwnam(user).pw_uid == 0:
            cli.warn(f"minidocker rootless {what}: {user} is root, whose engine needs no delegation")
            return 1
    except KeyError:
        cli.warn(f"minidocker rootless {what}: no such user: {user}")
        return 1
    return None


def delegate(cli: Any, a: argparse.Namespace) -> int:
    refused = _refuse(cli, "delegate", a.user)
    if refused is not None:
        return refused
    from ...rootless import cgroups

    try:
        made = cgroups.delegate(a.user, **caps(a.memory, a.pids, a.cpus))
    except (ValueError, OSError) as e:
        cli.warn(f"minidocker rootless delegate: {e}")
        return 1
    print(f"cgroup subtree delegated to {a.user}: {' '.join(made)}")
    if cgroups.needs_entering():
        print(f"cgroup v2: {a.user}'s engine must start from a session inside it (run-classroom's hub starts "
              f"them there; `minidocker rootless enter {a.user} PID` moves a session of theirs in)")
    return 0


def undelegate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("user")


def undelegate(cli: Any, a: argparse.Namespace) -> int:
    refused = _refuse(cli, "undelegate", a.user)
    if refused is not None:
        return refused
    from ...rootless import cgroups

    try:
        cgroups.undelegate(a.user)
    except OSError as e:
        cli.warn(f"minidocker rootless undelegate: {e}")
        return 1
    print(f"cgroup subtree of {a.user} removed (what ran in it was killed)")
    return 0


def enter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("user")
    p.add_argument("pid", type=int)


def enter(cli: Any, a: argparse.Namespace) -> int:
    refused = _refuse(cli, "enter", a.user)
    if refused is not None:
        return refused
    from ...rootless import cgroups

    try:
        cgroups.enter(a.user, a.pid)
    except (cgroups.NotDelegated, OSError) as e:
        cli.warn(f"minidocker rootless enter: {e}")
        return 1
    return 0

