"""Benchmark: NetworkManager.connect/disconnect per network mode, and the first connect of an engine (bridge + chains).

    .venv/bin/python bench/networks_connect.py -n 20

Runs as root under a throw-away MINIDOCKER_ROOT and removes everything it made (cleanup_instance).
Each figure is a median over n fresh container ids; "first" is the one-off cost of the first start
of an engine (subnet choice, bridge, iptables chains), paid once per dockerd root.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="md-bench-net-")
    os.environ["MINIDOCKER_ROOT"] = root
    from minidocker.dockerd.networks import NetworkManager

    mgr = NetworkManager(Path(root) / "lib" / "network")
    cases = {"bridge": {}, "bridge -p 80": {"port_bindings": {"80/tcp": [{"HostPort": ""}]}}, "none": {"mode": "none"},
             "host": {"mode": "host"}}
    times: dict[str, list[float]] = {f"{c} {verb}": [] for c in cases for verb in ("connect", "disconnect")}
    try:
        t = time.perf_counter()
        mgr.connect("first")
        first = time.perf_counter() - t
        mgr.disconnect("first")
        for i in range(args.n):
            for n, (case, kwargs) in enumerate(cases.items()):
                cid = f"{n}{i:063x}"
                t = time.perf_counter()
                mgr.connect(cid, **kwargs)
                times[f"{case} connect"].append(time.perf_counter() - t)
                t = time.perf_counter()
                mgr.disconnect(cid)
                times[f"{case} disconnect"].append(time.perf_counter() - t)
    finally:
        mgr.cleanup_instance()
    print(f"load average {os.getloadavg()[0]:.1f}, n={args.n}")
    print(f"{'first connect of an engine':28} {first * 1000:7.1f} ms")
    for name, values in times.items():
        print(f"{name:28} {statistics.median(values) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
