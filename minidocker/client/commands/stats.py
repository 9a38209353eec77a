"""`minidocker stats [--no-stream] [-a] [CONTAINER...]`: live resource use read from the cgroups (cf. docker/cli cli/command/container/stats.go, stats_helpers.go).

One stats stream per container (GET /containers/{id}/stats), the table redrawn every second like
docker's; --no-stream asks each container once (stream=0: the daemon samples twice, so CPU % has a
previous reading to compare with).
"""

from __future__ import annotations

import sys
import threading
import time

from ..formatting import table
from ..formatting.text import short_id
from ..formatting.units import bytes_size, human_size

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any

HEADER = ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"]


def stats_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--all", action="store_true", help="Show all containers (default shows just running)")
    p.add_argument("--no-stream", action="store_true", help="Disable streaming stats and only pull the first result")
    p.add_argument("--no-trunc", action="store_true", help="Do not truncate output")
    p.add_argument("containers", nargs="*", metavar="CONTAINER")


def row(s: dict[str, Any], trunc: bool = True) -> list[str]:
    """One stats sample as docker's columns (the CPU, memory, network and block I/O arithmetic of stats_helpers.go)."""
    cpu, pre = s.get("cpu_stats") or {}, s.get("precpu_stats") or {}
    cpu_delta = (cpu.get("cpu_usage") or {}).get("total_usage", 0) - (pre.get("cpu_usage") or {}).get("total_usage", 0)
    sys_delta = (cpu.get("system_cpu_usage") or 0) - (pre.get("system_cpu_usage") or 0)
    ncpu = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or []) or 1
    cpu_pct = cpu_delta / sys_delta * ncpu * 100.0 if sys_delta > 0 and cpu_delta > 0 else 0.0
    mem = s.get("memory_stats") or {}
    detail = mem.get("stats") or {}
    usage = mem.get("usage") or 0
    for key in ("total_inactive_file", "inactive_file"):  # page cache the kernel can drop does not count
        if key in detail and detail[key] < usage:
            usage -= detail[key]
            break
    limit = mem.get("limit") or 0
    mem_pct = usage / limit * 100.0 if limit else 0.0
    rx = sum(n.get("rx_bytes", 0) for n in (s.get("networks") or {}).values())
    tx = sum(n.get("tx_bytes", 0) for n in (s.get("networks") or {}).values())
    read = write = 0
    for entry in (s.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []:
        op = (entry.get("op") or "").lower()
        if op == "read":
            read += entry.get("value", 0)
        elif op == "write":
            write += entry.get("value", 0)
    name = (s.get("name") or "").lstrip("/")
    return [short_id(s.get("id", ""), trunc), name, f"{cpu_pct:.2f}%", f"{bytes_size(usage)} / {bytes_size(limit)}",
            f"{mem_pct:.2f}%", f"{human_size(rx, 3)} / {human_size(tx, 3)}",
            f"{human_size(read, 3)} / {human_size(write, 3)}", str((s.get("pids_stats") or {}).get("current", 0))]


def _targets(cli: Any, a: argparse.Namespace) -> list[str]:
    if a.containers:
        return list(a.containers)
    return [c["Id"] for c in cli.api.containers(all=a.all)]


def stats(cli: Any, a: argparse.Namespace) -> int:
    api = cli.api
    trunc = not a.no_trunc
    names = _targets(cli, a)
    if a.no_stream:
        rows = [HEADER]
        for name in names:
            rows.append(row(api._json("GET", f"/containers/{name}/stats", {"stream": "0"}), trunc))
        table.write(rows)
        return 0
    latest: dict[str, dict[str, Any]] = {}
    lost: dict[str, Exception] = {}  # streams cut by the daemon itself (it died or restarted)

    def follow(name: str) -> None:
        from ..streams import iter_json
        from ..wire import ProtocolError

        try:
            resp = api.transport.open("GET", f"/containers/{name}/stats", {"stream": "1"})
            for sample in iter_json(resp):
                latest[name] = sample
        except (ProtocolError, OSError) as err:
            lost[name] = err
        except Exception:  # a container that goes away just stops updating, as in docker
            latest.pop(name, None)

    for name in names:
        threading.Thread(target=follow, args=(name,), daemon=True).start()
    try:
        while True:
            time.sleep(1.0)
            if names and len(lost) == len(names):  # nothing left to show: say why, once, and stop
                raise next(iter(lost.values()))
            text = table.render([HEADER] + [row(latest[n], trunc) for n in names if n in latest])
            sys.stdout.write("\x1b[2J\x1b[H" + text if sys.stdout.isatty() else text)
            sys.stdout.flush()
    except KeyboardInterrupt:
        return 0
