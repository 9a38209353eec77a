"""`minidocker inspect`, `container inspect`, `image inspect` (cf. docker/cli cli/command/system/inspect.go, inspect/inspector.go).

A bare `inspect` tries each kind in turn (container, image, volume) and keeps the first that exists;
objects found are printed as one JSON array; the rest are reported after it and the exit code is 1.
"""

from __future__ import annotations

import sys

from ..errors import APIError, NotFound
from ..formatting.template import write_each
from ..formatting.text import go_json

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any, Callable


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--format", help="Format output using a custom template")
    p.add_argument("-s", "--size", action="store_true", help="Display total file sizes if the type is container")
    p.add_argument("names", nargs="+", metavar="NAME|ID")


def inspect_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--type", help="Only inspect objects of the given type")
    _common(p)


def container_inspect_args(p: argparse.ArgumentParser) -> None:
    _common(p)


def image_inspect_args(p: argparse.ArgumentParser) -> None:
    _common(p)


def _print(cli: Any, found: list[Any], errors: list[str], fmt: str | None) -> int:
    if fmt:
        errors = write_each(fmt, found) + errors
    else:
        sys.stdout.write(go_json(found) + "\n")
    for err in errors:
        cli.warn(err)
    return 1 if errors else 0


def _one_kind(cli: Any, a: argparse.Namespace, fetch: Callable[[str], Any]) -> int:
    found, errors = [], []
    for name in a.names:
        try:
            found.append(fetch(name))
        except APIError as err:
            errors.append(str(err))
    return _print(cli, found, errors, a.format)


def container_inspect(cli: Any, a: argparse.Namespace) -> int:
    return _one_kind(cli, a, lambda n: cli.api._json("GET", f"/containers/{n}/json", {"size": "1" if a.size else None}))


def image_inspect(cli: Any, a: argparse.Namespace) -> int:
    return _one_kind(cli, a, cli.api.inspect_image)


def inspect(cli: Any, a: argparse.Namespace) -> int:
    api = cli.api
    kinds: list[tuple[str, Callable[[str], Any]]] = [
        ("container", lambda n: api._json("GET", f"/containers/{n}/json", {"size": "1" if a.size else None})),
        ("image", api.inspect_image),
        ("network", lambda n: api._json("GET", f"/networks/{n}")),
        ("volume", api.inspect_volume),
    ]
    if a.type:
        kinds = [k for k in kinds if k[0] == a.type]
        if not kinds:
            cli.warn(f'"{a.type}" is not a valid value for --type')
            return 1
    found, errors = [], []
    for name in a.names:
        for _kind, fetch in kinds:
            try:
                found.append(fetch(name))
                break
            except NotFound:
                continue
            except APIError as err:
                if err.status in (400, 404, 405):  # an endpoint the daemon lacks counts as "not this kind"
                    continue
                raise
        else:
            errors.append(f"Error: No such object: {name}")
    return _print(cli, found, errors, a.format)
