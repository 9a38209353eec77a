"""Benchmark: `docker pause` + `unpause` and `docker update`, minidockerd against a private real dockerd 20.10,
through the same real docker CLI.

Usage: .venv/bin/python bench/pause_update.py [-n 20]
Ours is started by `minidocker daemon start` under its own MINIDOCKER_ROOT, Docker's as bench/real_dockerd.py
describes (busybox loaded from `minidocker save busybox`). The engines take turns command after command, so
load from other work hits them alike. Each figure is the median wall time of the whole CLI command.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from real_dockerd import RealDockerd  # noqa: E402
from run_chain_docker import DOCKER_CLI, MINIDOCKER, cleanup_ours, median_ms, timed  # noqa: E402

WHAT = ("pause + unpause", "update --cpu-shares")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="rounds per command")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: containers need namespaces and cgroups")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))  # clean up (finally) on a timeout's TERM
    tmp = Path(tempfile.mkdtemp(prefix="bpause-", dir="/tmp"))
    root = tmp / "md"
    env = dict(os.environ, MINIDOCKER_ROOT=str(root))
    real = RealDockerd(tmp / "dk", DOCKER_CLI)
    results: dict[str, dict[str, list[float]]] = {}
    try:
        subprocess.run([MINIDOCKER, "daemon", "start"], env=env, check=True, capture_output=True)
        why = real.start()
        if why is not None:
            sys.exit(f"no real dockerd: {why}")
        real.docker("load", input=subprocess.run([MINIDOCKER, "save", "busybox"], env=env, capture_output=True,
                                                 check=True).stdout)
        engines = {"minidockerd": ([DOCKER_CLI, "-H", f"unix://{root}/run/minidocker.sock"], env),
                   "dockerd 20.10": ([DOCKER_CLI], real.env())}
        for docker, e in engines.values():
            subprocess.run([*docker, "run", "-d", "--name", "bp", "--network", "none", "busybox", "sleep", "3600"],
                           env=e, check=True, capture_output=True)
        for i in range(args.n + 1):  # the first round warms caches and is not counted
            for label, (docker, e) in engines.items():
                got = results.setdefault(label, {w: [] for w in WHAT})
                t = timed([*docker, "pause", "bp"], e) + timed([*docker, "unpause", "bp"], e)
                u = timed([*docker, "update", "--cpu-shares", str(512 + i), "bp"], e)
                if i:
                    got[WHAT[0]].append(t)
                    got[WHAT[1]].append(u)
    finally:
        cleanup_ours(root, env)
        real.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"n={args.n}, load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'median ms':<24}" + "".join(f"{label:>16}" for label in results) + f"{'ratio':>8}")
    for what in WHAT:
        ours, docker = (median_ms(results[label][what]) for label in results)
        print(f"{what:<24}{ours:>16.1f}{docker:>16.1f}{ours / docker:>8.2f}")


if __name__ == "__main__":
    main()
