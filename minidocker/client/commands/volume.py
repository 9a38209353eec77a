"""`minidocker volume create|ls|inspect|rm|prune` (cf. docker/cli cli/command/volume)."""

from __future__ import annotations

import sys

from ..errors import APIError
from ..formatting import table
from ..formatting.template import write_each
from ..formatting.text import go_json

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any


def create_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-d", "--driver", default="local", help="Specify volume driver name")
    p.add_argument("-o", "--opt", action="append", default=[], help="Set driver specific options")
    p.add_argument("--label", action="append", default=[], help="Set metadata for a volume")
    p.add_argument("name", nargs="?", default="", metavar="VOLUME")


def create(cli: Any, a: argparse.Namespace) -> int:
    from ..config import parse_labels

    result = cli.api.create_volume(a.name, a.driver, parse_labels(a.opt), parse_labels(a.label))
    print(result.get("Name", a.name))
    return 0


def ls_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--filter", action="append", default=[], help="Provide filter values (e.g. \"dangling=true\")")
    p.add_argument("-q", "--quiet", action="store_true", help="Only display volume names")
    p.add_argument("--format", help="Format output: 'table', 'table TEMPLATE', 'json' or a Go template")


def ls(cli: Any, a: argparse.Namespace) -> int:
    from .ps import filters_query

    result = cli.api._json("GET", "/volumes", {"filters": filters_query(a.filter)})
    volumes = sorted(result.get("Volumes") or [], key=lambda v: v.get("Name", ""))
    if a.quiet:
        print("".join(v["Name"] + "\n" for v in volumes), end="")
        return 0
    if a.format and a.format != "table":
        from ..formatting import custom

        rows = [{"Name": v.get("Name", ""), "Driver": v.get("Driver", ""), "Scope": v.get("Scope", ""),
                 "Mountpoint": v.get("Mountpoint", ""),
                 "Labels": ",".join(f"{k}={x}" for k, x in sorted((v.get("Labels") or {}).items()))} for v in volumes]
        custom.write(a.format, rows, {"Driver": "DRIVER", "Name": "VOLUME NAME", "Scope": "SCOPE",
                                      "Mountpoint": "MOUNTPOINT", "Labels": "LABELS"})
        return 0
    table.write([["DRIVER", "VOLUME NAME"]] + [[v.get("Driver", ""), v.get("Name", "")] for v in volumes])
    return 0


def inspect_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--format", help="Format output using a custom template")
    p.add_argument("names", nargs="+", metavar="VOLUME")


def inspect(cli: Any, a: argparse.Namespace) -> int:
    found, errors = [], []
    for name in a.names:
        try:
            found.append(cli.api.inspect_volume(name))
        except APIError as err:
            errors.append(str(err))
    if a.format:
        errors = write_each(a.format, found) + errors
    else:
        sys.stdout.write(go_json(found) + "\n")
    for err in errors:  # after the JSON, as docker prints them
        cli.warn(err)
    return 1 if errors else 0


def rm_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--force", action="store_true", help="Force the removal of one or more volumes")
    p.add_argument("names", nargs="+", metavar="VOLUME")


def rm(cli: Any, a: argparse.Namespace) -> int:
    from .lifecycle import _each

    return _each(cli, a.names, lambda n: cli.api.remove_volume(n, a.force))


def prune_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--all", action="store_true", help="Remove all unused volumes, not just anonymous ones")
    p.add_argument("-f", "--force", action="store_true", help="Do not prompt for confirmation")
    p.add_argument("--filter", action="append", default=[], help="Provide filter values (e.g. \"label=<label>\")")


def prune(cli: Any, a: argparse.Namespace) -> int:
    from ..formatting.units import human_size
    from .lifecycle import confirm
    from .ps import filters_query

    warning = ("WARNING! This will remove all local volumes not used by at least one container." if a.all else
               "WARNING! This will remove anonymous local volumes not used by at least one container.")
    if not a.force and not confirm(cli, warning):
        return 0
    filters = list(a.filter) + (["all=true"] if a.all else [])
    result = cli.api._json("POST", "/volumes/prune", {"filters": filters_query(filters)})
    deleted = result.get("VolumesDeleted") or []
    if deleted:
        print("Deleted Volumes:\n" + "".join(d + "\n" for d in deleted))
    print(f"Total reclaimed space: {human_size(result.get('SpaceReclaimed') or 0)}")
    return 0
