"""Benchmark: `minidocker ps` / `images` latency and the CLI's import time, against a running engine (target: <= 60 ms).

Usage: .venv/bin/python bench/client_latency.py [-n 30] [--root DIR]
With --root (a MINIDOCKER_ROOT whose daemons are running, e.g. after `minidocker daemon start`) it
uses that engine; without it, it starts one in a temporary root with `minidocker daemon start` and
stops it afterwards. Prints medians (ms) of wall time per command, each a fresh process, as a user
types it (`.venv/bin/minidocker ps`); the real docker CLI against the same socket for comparison; and
the CLI's own import time (`python -X importtime`, cumulative, min of n).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLI = REPO / ".venv" / "bin" / "minidocker"


def wall(argv: list[str], env: dict[str, str], n: int) -> tuple[float, float, float]:
    """(median wall ms, min wall ms, median CPU ms of the client process): CPU time barely moves with the
    machine's load, so it shows what the client itself costs when other work competes for the cores."""
    import resource

    times, cpu = [], []
    for _ in range(n):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return statistics.median(times) * 1000, min(times) * 1000, statistics.median(cpu) * 1000


def import_ms(env: dict[str, str], n: int) -> float:
    best = float("inf")
    for _ in range(n):
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import minidocker.client.cli, "
                              "minidocker.client.api, minidocker.client.commands.ps"], env=env,
                             capture_output=True, text=True).stderr
        total = sum(int(line.split("|")[1]) for line in out.splitlines()
                    if line.startswith("import time:") and line.split("|")[2].startswith(" minidocker")
                    and not line.split("|")[2].startswith("  "))
        best = min(best, total / 1000)
    return best


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("-n", type=int, default=30)
    p.add_argument("--root", help="MINIDOCKER_ROOT of running daemons (default: start a temporary engine)")
    a = p.parse_args()
    tmp = None
    root = a.root
    if root is None:
        tmp = tempfile.mkdtemp(prefix="md-bench-")
        root = tmp
    env = dict(os.environ, MINIDOCKER_ROOT=root)
    env.pop("MINIDOCKER_HOST", None)
    try:
        if tmp:
            subprocess.run([str(CLI), "daemon", "start"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([str(CLI), "run", "-d", "busybox", "sleep", "600"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        sock = Path(root) / "run" / "minidocker.sock"
        print(f"load average {os.getloadavg()[0]:.2f}, n={a.n}")
        for args in (["ps"], ["images"], ["ps", "-a"]):
            med, best, cpu = wall([str(CLI), *args], env, a.n)
            print(f"minidocker {' '.join(args):8s} median {med:6.1f} ms  (min {best:5.1f}, cpu {cpu:5.1f})"
                  f"   [{CLI} {' '.join(args)}]")
            docker = shutil.which("docker")
            if docker:
                dmed, dbest, dcpu = wall([docker, "-H", f"unix://{sock}", *args], env, a.n)
                print(f"docker     {' '.join(args):8s} median {dmed:6.1f} ms  (min {dbest:5.1f}, cpu {dcpu:5.1f})"
                      f"   ratio {med / dmed:.2f}")
        med, best, cpu = wall([sys.executable, "-c", "pass"], env, a.n)
        print(f"python -c pass      median {med:6.1f} ms  (min {best:5.1f}, cpu {cpu:5.1f})   (interpreter + site floor)")
        print(f"CLI import time (minidocker.* modules, cumulative, min of {a.n}): {import_ms(env, a.n):.1f} ms")
    finally:
        ids = subprocess.run([str(CLI), "ps", "-q"], env=env, capture_output=True, text=True).stdout.split()
        if ids:
            subprocess.run([str(CLI), "rm", "-f", *ids], env=env, stdout=subprocess.DEVNULL)
        if tmp:
            subprocess.run([str(CLI), "daemon", "stop"], env=env, stdout=subprocess.DEVNULL)
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
