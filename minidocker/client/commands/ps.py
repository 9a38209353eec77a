"""`minidocker ps`: the container table (cf. docker/cli cli/command/container/list.go, formatter/container.go)."""

from __future__ import annotations

from ..formatting import table
from ..formatting.ports import displayable_ports
from ..formatting.text import container_names, ellipsis, go_quote, short_id
from ..formatting.units import ago, human_size

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any

HEADER = ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]


def ps_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--all", action="store_true", help="Show all containers (default shows just running)")
    p.add_argument("-f", "--filter", action="append", default=[], help="Filter output based on conditions provided")
    p.add_argument("-n", "--last", type=int, default=-1, help="Show n last created containers (includes all states)")
    p.add_argument("-l", "--latest", action="store_true", help="Show the latest created container")
    p.add_argument("--no-trunc", action="store_true", help="Don't truncate output")
    p.add_argument("-q", "--quiet", action="store_true", help="Only display container IDs")
    p.add_argument("-s", "--size", action="store_true", help="Display total file sizes")
    p.add_argument("--format", help="Format output: 'table', 'table TEMPLATE', 'json' or a Go template")


HEADERS = {"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
           "RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE", "Status": "STATUS", "Size": "SIZE",
           "Names": "NAMES", "Labels": "LABELS", "Mounts": "MOUNTS", "Networks": "NETWORKS"}


def _fields(c: dict[str, Any], trunc: bool) -> dict[str, Any]:
    """The row as docker's ContainerContext exposes it to --format."""
    import time

    image = c.get("Image", "") or "<no image>"
    if trunc and short_id(c.get("ImageID", "")) == short_id(image):
        image = short_id(image)
    command = c.get("Command", "")
    srw, sroot = c.get("SizeRw", 0) or 0, c.get("SizeRootFs", 0) or 0
    created = time.strftime("%Y-%m-%d %H:%M:%S +0000 UTC", time.gmtime(c.get("Created", 0)))
    return {"ID": short_id(c["Id"], trunc), "Image": image,
            "Command": go_quote(ellipsis(command, 20) if trunc else command), "CreatedAt": created,
            "RunningFor": ago(c.get("Created", 0)), "Ports": displayable_ports(c.get("Ports")),
            "State": c.get("State", ""), "Status": c.get("Status", ""),
            "Size": f"{human_size(srw, 3)} (virtual {human_size(sroot, 3)})",
            "Names": container_names(c.get("Names"), trunc),
            "Labels": ",".join(f"{k}={v}" for k, v in sorted((c.get("Labels") or {}).items())),
            "Mounts": ",".join(m.get("Name") or m.get("Source", "") for m in c.get("Mounts") or []),
            "Networks": ",".join(sorted(((c.get("NetworkSettings") or {}).get("Networks") or {}).keys()))}


def filters_query(items: list[str]) -> str | None:
    """-f key=value ... -> the map-of-bools JSON the CLI sends: {"key":{"value":true}}."""
    if not items:
        return None
    from ...jsonfast import dumps

    out: dict[str, dict[str, bool]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"bad format of filter (expected name=value)")
        out.setdefault(key.strip().lower(), {})[value] = True
    return dumps(out, separators=(",", ":"))


def ps(cli: Any, a: argparse.Namespace) -> int:
    limit = 1 if a.latest else a.last
    # As the docker CLI: -n/-l send only `limit`; the Engine API counts stopped containers in it.
    query = {"all": "1" if a.all else None, "filters": filters_query(a.filter),
             "limit": limit if limit > 0 else None, "size": "1" if a.size and not a.quiet else None}
    containers = cli.transport.call("GET", "/containers/json", query).json()
    trunc = not a.no_trunc
    if a.quiet:
        print("".join(short_id(c["Id"], trunc) + "\n" for c in containers), end="")
        return 0
    if a.format and a.format != "table":
        from ..formatting import custom

        custom.write(a.format, [_fields(c, trunc) for c in containers], HEADERS)
        return 0
    rows = [HEADER + (["SIZE"] if a.size else [])]
    for c in containers:
        image = c.get("Image", "") or "<no image>"
        if trunc and short_id(c.get("ImageID", "")) == short_id(image):  # an image given by id shows short
            image = short_id(image)
        command = c.get("Command", "")
        row = [short_id(c["Id"], trunc), image, go_quote(ellipsis(command, 20) if trunc else command),
               ago(c.get("Created", 0)), c.get("Status", ""), displayable_ports(c.get("Ports")),
               container_names(c.get("Names"), trunc)]
        if a.size:
            srw, sroot = c.get("SizeRw", 0) or 0, c.get("SizeRootFs", 0) or 0
            row.append(f"{human_size(srw, 3)} (virtual {human_size(sroot, 3)})")
        rows.append(row)
    table.write(rows)
    return 0
