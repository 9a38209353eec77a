"""`minidocker network ls|create|inspect|rm|prune` and `port` (cf. docker/cli cli/command/network, container/port.go)."""

from __future__ import annotations

import sys

from ..formatting import table
from ..formatting.text import go_json, short_id

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any


def ls_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--filter", action="append", default=[], help="Provide filter values (e.g. \"driver=bridge\")")
    p.add_argument("--no-trunc", action="store_true", help="Do not truncate the output")
    p.add_argument("-q", "--quiet", action="store_true", help="Only display network IDs")
    p.add_argument("--format", help="Format output: 'table', 'table TEMPLATE', 'json' or a Go template")


def ls(cli: Any, a: argparse.Namespace) -> int:
    from .ps import filters_query

    nets = sorted(cli.api._json("GET", "/networks", {"filters": filters_query(a.filter)}) or [],
                  key=lambda n: n.get("Name", ""))
    trunc = not a.no_trunc
    if a.quiet:
        print("".join(short_id(n["Id"], trunc) + "\n" for n in nets), end="")
        return 0
    if a.format and a.format != "table":
        from ..formatting import custom

        custom.write(a.format, [{"ID": short_id(n["Id"], trunc), "Name": n.get("Name", ""), "Driver": n.get("Driver", ""),
                                 "Scope": n.get("Scope", "")} for n in nets],
                     {"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE"})
        return 0
    rows = [["NETWORK ID", "NAME", "DRIVER", "SCOPE"]]
    rows += [[short_id(n["Id"], trunc), n.get("Name", ""), n.get("Driver", ""), n.get("Scope", "")] for n in nets]
    table.write(rows)
    return 0


def create_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-d", "--driver", default="bridge", help="Driver to manage the Network")
    p.add_argument("--subnet", action="append", default=[], help="Subnet in CIDR format")
    p.add_argument("--gateway", action="append", default=[], help="IPv4 or IPv6 Gateway for the master subnet")
    p.add_argument("--internal", action="store_true", help="Restrict external access to the network")
    p.add_argument("--label", action="append", default=[], help="Set metadata on a network")
    p.add_argument("-o", "--opt", action="append", default=[], help="Set driver specific options")
    p.add_argument("name", metavar="NETWORK")


def create(cli: Any, a: argparse.Namespace) -> int:
    from ..config import parse_labels

    configs = [{"Subnet": s, **({"Gateway": a.gateway[i]} if i < len(a.gateway) else {})}
               for i, s in enumerate(a.subnet)]
    body = {"Name": a.name, "Driver": a.driver, "Internal": a.internal, "Labels": parse_labels(a.label),
            "Options": parse_labels(a.opt), "IPAM": {"Driver": "default", "Config": configs, "Options": {}},
            "CheckDuplicate": True}
    print(cli.api._json("POST", "/networks/create", body=body)["Id"])
    return 0


def inspect_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--format", help="Format output using a custom template")
    p.add_argument("names", nargs="+", metavar="NETWORK")


def inspect(cli: Any, a: argparse.Namespace) -> int:
    from ..errors import APIError
    from ..formatting.template import write_each

    found, errors = [], []
    for name in a.names:
        try:
            found.append(cli.api._json("GET", f"/networks/{name}"))
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
    p.add_argument("names", nargs="+", metavar="NETWORK")


def rm(cli: Any, a: argparse.Namespace) -> int:
    from .lifecycle import _each

    return _each(cli, a.names, lambda n: cli.api._call("DELETE", f"/networks/{n}") and None)


def connect_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--alias", action="append", default=[], help="Add network-scoped alias for the container")
    p.add_argument("--ip", help="IPv4 address (e.g., 172.30.100.104)")
    p.add_argument("network", metavar="NETWORK")
    p.add_argument("container", metavar="CONTAINER")


def connect(cli: Any, a: argparse.Namespace) -> int:
    cli.api.connect_container_to_network(a.container, a.network, a.alias, a.ip)
    return 0


def disconnect_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--force", action="store_true", help="Force the container to disconnect from a network")
    p.add_argument("network", metavar="NETWORK")
    p.add_argument("container", metavar="CONTAINER")


def disconnect(cli: Any, a: argparse.Namespace) -> int:
    cli.api.disconnect_container_from_network(a.container, a.network, a.force)
    return 0


def prune_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--force", action="store_true", help="Do not prompt for confirmation")


def prune(cli: Any, a: argparse.Namespace) -> int:
    from .lifecycle import confirm

    if not a.force and not confirm(cli, "WARNING! This will remove all custom networks not used by at least one container."):
        return 0
    deleted = cli.api._json("POST", "/networks/prune").get("NetworksDeleted") or []
    if deleted:
        print("Deleted Networks:\n" + "".join(n + "\n" for n in deleted), end="")
    return 0


def port_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("container", metavar="CONTAINER")
    p.add_argument("private", nargs="?", metavar="PRIVATE_PORT[/PROTO]")


def port(cli: Any, a: argparse.Namespace) -> int:
    """"80/tcp -> 0.0.0.0:8080" per binding, from NetworkSettings.Ports."""
    ports = (cli.api.inspect_container(a.container).get("NetworkSettings") or {}).get("Ports") or {}
    want = None
    if a.private:
        want = a.private if "/" in a.private else a.private + "/tcp"
    lines = []
    for key in sorted(ports, key=lambda k: (int(k.split("/")[0].split("-")[0]), k)):
        if want and key != want:
            continue
        for b in ports[key] or []:
            ip = b.get("HostIp", "")
            addr = f"[{ip}]:{b.get('HostPort')}" if ":" in ip else f"{ip}:{b.get('HostPort')}"
            lines.append(addr if want else f"{key} -> {addr}")
    if want and not lines:
        cli.warn(f"Error: No public port '{a.private}' published for {a.container}")
        return 1
    print("".join(line + "\n" for line in lines), end="")
    return 0
