"""stop, kill, restart, rm, wait, top, rename, container prune (cf. docker/cli cli/command/container/{stop,kill,restart,rm,wait,top,prune}.go)."""

from __future__ import annotations

from ..errors import APIError
from ..flags import REMAINDER

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any, Callable


def _each(cli: Any, names: list[str], action: Callable[[str], Any], echo: bool = True) -> int:
    """Apply to every name; print each success, report each failure; exit 1 if any failed (as docker)."""
    failed = False
    for name in names:
        try:
            result = action(name)
        except APIError as err:
            cli.warn(str(err))
            failed = True
            continue
        if echo:
            print(name if result is None else result)
    return 1 if failed else 0


def stop_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-s", "--signal", help="Signal to send to the container")
    p.add_argument("-t", "--timeout", "--time", type=int, help="Seconds to wait before killing the container")
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def stop(cli: Any, a: argparse.Namespace) -> int:
    query = {"signal": a.signal, "t": a.timeout}
    return _each(cli, a.containers, lambda n: cli.api._call("POST", f"/containers/{n}/stop", query, ok=(304,)) and None)


def kill_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-s", "--signal", help="Signal to send to the container")
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def kill(cli: Any, a: argparse.Namespace) -> int:
    return _each(cli, a.containers, lambda n: cli.api.kill(n, a.signal))


def restart_args(p: argparse.ArgumentParser) -> None:
    stop_args(p)


def restart(cli: Any, a: argparse.Namespace) -> int:
    query = {"signal": a.signal, "t": a.timeout}
    return _each(cli, a.containers, lambda n: cli.api._call("POST", f"/containers/{n}/restart", query) and None)


def rm_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--force", action="store_true", help="Force the removal of a running container (uses SIGKILL)")
    p.add_argument("-l", "--link", action="store_true", help="Remove the specified link")
    p.add_argument("-v", "--volumes", action="store_true", help="Remove anonymous volumes associated with the container")
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def rm(cli: Any, a: argparse.Namespace) -> int:
    return _each(cli, a.containers, lambda n: cli.api.remove_container(n, v=a.volumes, link=a.link, force=a.force))


def wait_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def wait(cli: Any, a: argparse.Namespace) -> int:
    return _each(cli, a.containers, lambda n: cli.api.wait(n).get("StatusCode"))


def top_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("container", metavar="CONTAINER")
    p.add_argument("ps_args", nargs=REMAINDER, metavar="[ps OPTIONS]")


def top(cli: Any, a: argparse.Namespace) -> int:
    from ..formatting import table

    result = cli.api.top(a.container, " ".join(a.ps_args) or None)
    table.write([result.get("Titles") or []] + (result.get("Processes") or []), minwidth=20, padding=1)
    return 0


def rename_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("container", metavar="CONTAINER")
    p.add_argument("new_name", metavar="NEW_NAME")


def rename(cli: Any, a: argparse.Namespace) -> int:
    cli.api.rename(a.container, a.new_name)
    return 0


def confirm(cli: Any, warning: str) -> bool:
    """docker's prune prompt: WARNING! ... Are you sure you want to continue? [y/N]"""
    import sys

    sys.stdout.write(f"{warning}\nAre you sure you want to continue? [y/N] ")
    sys.stdout.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")


def prune_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--force", action="store_true", help="Do not prompt for confirmation")
    p.add_argument("--filter", action="append", default=[], help="Provide filter values (e.g. \"until=<timestamp>\")")


def prune(cli: Any, a: argparse.Namespace) -> int:
    from ..formatting.units import human_size
    from .ps import filters_query

    if not a.force and not confirm(cli, "WARNING! This will remove all stopped containers."):
        return 0
    result = cli.api._json("POST", "/containers/prune", {"filters": filters_query(a.filter)})
    deleted = result.get("ContainersDeleted") or []
    if deleted:
        print("Deleted Containers:\n" + "".join(d + "\n" for d in deleted))
    print(f"Total reclaimed space: {human_size(result.get('SpaceReclaimed') or 0)}")
    return 0
