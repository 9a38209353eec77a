"""`minidocker logs [-f] [--tail N] [-t] CONTAINER` (cf. docker/cli cli/command/container/logs.go).

The CLI inspects first to learn Config.Tty: a tty container's log is raw, otherwise it is framed.
"""

from __future__ import annotations

import sys

from ..stdio import write_all
from ..streams import STDERR, iter_output

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any


def logs_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--follow", action="store_true", help="Follow log output")
    p.add_argument("--since", help="Show logs since timestamp or relative (e.g. 42m)")
    p.add_argument("--until", help="Show logs before a timestamp or relative")
    p.add_argument("-n", "--tail", default="all", help='Number of lines to show from the end of the logs (default "all")')
    p.add_argument("-t", "--timestamps", action="store_true", help="Show timestamps")
    p.add_argument("--details", action="store_true", help="Show extra details provided to logs")
    p.add_argument("container", metavar="CONTAINER")


def _when(text: str | None) -> str | None:
    """--since 42m / 2h / a unix time / RFC 3339 -> the unix seconds the API takes."""
    if not text:
        return None
    import re
    import time

    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
    if match:
        scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[match.group(2)]
        return str(int(time.time() - float(match.group(1)) * scale))
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return text
    from ..formatting.units import parse_rfc3339

    return str(int(parse_rfc3339(text)))


def logs(cli: Any, a: argparse.Namespace) -> int:
    api = cli.api
    info = api.inspect_container(a.container)
    query = {"details": "1" if a.details else None, "follow": "1" if a.follow else None,
             "since": _when(a.since), "stderr": "1", "stdout": "1", "tail": a.tail,
             "timestamps": "1" if a.timestamps else None, "until": _when(a.until)}
    resp = api.logs_response(info["Id"], query)
    out, err = sys.stdout.fileno(), sys.stderr.fileno()
    try:
        for sid, data in iter_output(resp, info["Config"].get("Tty", False)):
            write_all(err if sid == STDERR else out, data)
    finally:
        resp.close()
    return 0
