"""version, info, system df, system prune (cf. docker/cli cli/command/system/{version,info,df,prune}.go, formatter/disk_usage.go)."""

from __future__ import annotations

import platform
import sys

from ..formatting import table
from ..formatting.text import container_names, ellipsis, go_quote, short_id
from ..formatting.units import ago, human_size, parse_rfc3339
from ..transport import MAX_API_VERSION

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any


def version_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--format", help="Format output using a custom template")


def _ansic(stamp: str) -> str:
    """Go's time.ANSIC ("Mon Jan _2 15:04:05 2006") of an RFC 3339 build time; the text itself when unparsable."""
    import time

    if not stamp:
        return ""
    try:
        t = time.gmtime(parse_rfc3339(stamp))
    except ValueError:
        return stamp
    return time.strftime("%a %b ", t) + f"{t.tm_mday:2d}" + time.strftime(" %H:%M:%S %Y", t)


def version(cli: Any, a: argparse.Namespace) -> int:
    client = {"Version": "0.1.0", "ApiVersion": MAX_API_VERSION, "PythonVersion": platform.python_version(),
              "Os": "linux", "Arch": "amd64" if platform.machine() == "x86_64" else platform.machine()}
    lines = ["Client:", f" Version:           {client['Version']}", f" API version:       {client['ApiVersion']}",
             f" Python version:    {client['PythonVersion']}", f" OS/Arch:           {client['Os']}/{client['Arch']}",
             " Context:           default"]
    try:
        server = cli.api.version()
    except Exception:
        sys.stdout.write("\n".join(lines) + "\n\n")
        raise
    if a.format:
        from ..formatting.template import execute

        print(execute(a.format, {"Client": client, "Server": server}))
        return 0
    platform_name = (server.get("Platform") or {}).get("Name", "")
    lines += ["", f"Server: {platform_name}".rstrip() if platform_name else "Server:"]
    for comp in server.get("Components") or [{"Name": "Engine", "Version": server.get("Version"), "Details": server}]:
        d = comp.get("Details") or {}
        lines.append(f" {comp['Name']}:")
        if comp["Name"] == "Engine":
            lines += [f"  Version:          {comp.get('Version', '')}",
                      f"  API version:      {d.get('ApiVersion', '')} (minimum version {d.get('MinAPIVersion', '')})",
                      f"  Go version:       {d.get('GoVersion', '')}", f"  Git commit:       {d.get('GitCommit', '')}",
                      f"  Built:            {_ansic(d.get('BuildTime', ''))}",
                      f"  OS/Arch:          {d.get('Os', '')}/{d.get('Arch', '')}",
                      f"  Experimental:     {d.get('Experimental', 'false')}"]
        else:
            lines.append(f"  Version:          {comp.get('Version', '')}")
            for key, value in d.items():
                lines.append(f"  {key + ':':<18}{value}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def info_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--format", help="Format output using a custom template")


def info(cli: Any, a: argparse.Namespace) -> int:
    i = cli.api.info()
    if a.format:
        from ..formatting.template import execute

        print(execute(a.format, i))
        return 0
    from .system_info import render_info

    sys.stdout.write(render_info(i, cli.debug))
    return 0


def df_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="store_true", help="Show detailed information on space usage")


def _with_pct(reclaimable: int, total: int) -> str:
    return f"{human_size(reclaimable)} ({reclaimable * 100 // total}%)" if total > 0 else human_size(reclaimable)


def df(cli: Any, a: argparse.Namespace) -> int:
    d = cli.api.df()
    images = d.get("Images") or []
    containers = d.get("Containers") or []
    volumes = d.get("Volumes") or []
    cache = d.get("BuildCache") or []
    layers = d.get("LayersSize") or 0
    used = sum((img.get("Size", 0) - img.get("SharedSize", 0)) for img in images
               if img.get("Containers", 0) and img.get("SharedSize", -1) != -1)
    c_size = sum(c.get("SizeRw", 0) or 0 for c in containers)
    c_reclaim = sum(c.get("SizeRw", 0) or 0 for c in containers if c.get("State") not in ("running", "paused", "restarting"))
    v_size = sum(max((v.get("UsageData") or {}).get("Size", 0), 0) for v in volumes)
    v_reclaim = sum(max((v.get("UsageData") or {}).get("Size", 0), 0) for v in volumes
                    if (v.get("UsageData") or {}).get("RefCount", 0) == 0)
    b_size = sum(b.get("Size", 0) for b in cache if not b.get("Shared"))
    b_reclaim = sum(b.get("Size", 0) for b in cache if not b.get("Shared") and not b.get("InUse"))
    if not a.verbose:
        table.write([
            ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"],
            ["Images", str(len(images)), str(sum(1 for i in images if i.get("Containers", 0) > 0)),
             human_size(layers), _with_pct(layers - used, layers)],
            ["Containers", str(len(containers)), str(sum(1 for c in containers if c.get("State") == "running")),
             human_size(c_size), _with_pct(c_reclaim, c_size)],
            ["Local Volumes", str(len(volumes)),
             str(sum(1 for v in volumes if (v.get("UsageData") or {}).get("RefCount", 0) > 0)),
             human_size(v_size), _with_pct(v_reclaim, v_size)],
            ["Build Cache", str(len(cache)), str(sum(1 for b in cache if b.get("InUse"))), human_size(b_size),
             human_size(b_reclaim)],
        ])
        return 0
    from .images import _rows

    out = sys.stdout
    out.write("Images space usage:\n\n")
    rows = [["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"]]
    for img in images:
        shared = img.get("SharedSize", 0)
        for repo, tag, _ in _rows(img)[:1]:  # docker's df shows only the first tag
            rows.append([repo, tag, short_id(img["Id"]), ago(img.get("Created", 0)), human_size(img.get("Size", 0), 3),
                         human_size(shared), human_size(img.get("Size", 0) - shared), str(img.get("Containers", 0))])
    out.write(table.render(rows))
    out.write("\nContainers space usage:\n\n")
    rows = [["CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"]]
    for c in containers:
        mounts = sum(1 for m in c.get("Mounts") or [] if m.get("Type") == "volume")
        rows.append([short_id(c["Id"]), c.get("Image", ""), go_quote(ellipsis(c.get("Command", ""), 20)), str(mounts),
                     human_size(c.get("SizeRw", 0) or 0, 3), ago(c.get("Created", 0)), c.get("Status", ""),
                     container_names(c.get("Names"))])
    out.write(table.render(rows))
    out.write("\nLocal Volumes space usage:\n\n")
    rows = [["VOLUME NAME", "LINKS", "SIZE"]]
    for v in volumes:
        usage = v.get("UsageData") or {}
        rows.append([v.get("Name", ""), str(usage.get("RefCount", 0)), human_size(max(usage.get("Size", 0), 0))])
    out.write(table.render(rows))
    out.write(f"\nBuild cache usage: {human_size(b_size)}\n\n")
    rows = [["CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED"]]
    for b in cache:
        rows.append([b.get("ID", ""), b.get("Type", ""), human_size(b.get("Size", 0)),
                     ago(parse_rfc3339(b.get("CreatedAt", ""))), ago(parse_rfc3339(b.get("LastUsedAt", ""))),
                     str(b.get("UsageCount", 0)), "true" if b.get("Shared") else "false"])
    out.write(table.render(rows))
    return 0


def prune_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--all", action="store_true", help="Remove all unused images not just dangling ones")
    p.add_argument("-f", "--force", action="store_true", help="Do not prompt for confirmation")
    p.add_argument("--volumes", action="store_true", help="Prune anonymous volumes")


def prune(cli: Any, a: argparse.Namespace) -> int:
    from .lifecycle import confirm

    items = ["all stopped containers", "all networks not used by at least one container"]
    if a.volumes:
        items.append("all anonymous volumes not used by at least one container")
    items.append("all images without at least one container associated to them" if a.all else "all dangling images")
    warning = "WARNING! This will remove:\n" + "".join(f"  - {i}\n" for i in items)
    if not a.force and not confirm(cli, warning.rstrip("\n")):
        return 0
    api = cli.api
    total = 0
    for path, key, title in (("/containers/prune", "ContainersDeleted", "Deleted Containers:"),
                             ("/volumes/prune", "VolumesDeleted", "Deleted Volumes:")):
        if path == "/volumes/prune" and not a.volumes:
            continue
        result = api._json("POST", path)
        total += result.get("SpaceReclaimed") or 0
        if result.get(key):
            print(title + "\n" + "".join(d + "\n" for d in result[key]))
    result = api.prune_images(None if a.all else {"dangling": {"true": True}}) if not a.all else \
        api._json("POST", "/images/prune", {"filters": '{"dangling":{"false":true}}'})
    total += result.get("SpaceReclaimed") or 0
    deleted = result.get("ImagesDeleted") or []
    if deleted:
        lines = [f"{k.lower()}: {item[k]}" for item in deleted for k in ("Untagged", "Deleted") if item.get(k)]
        print("Deleted Images:\n" + "".join(line + "\n" for line in lines))
    print(f"Total reclaimed space: {human_size(total)}")
    return 0
