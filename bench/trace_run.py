"""Benchmark: where the time of `minidocker run --rm --network none busybox true` goes, span by span, as the
median over N traced runs (minidocker/trace.py; one run's breakdown moves too much with the load to compare).

Usage (root): .venv/bin/python bench/trace_run.py [-n 15] [--keep DIR] [-- run args...]

An engine is started under a temporary MINIDOCKER_ROOT with MINIDOCKER_TRACE set (the daemons, shims and
runtimes inherit it); the client runs N times, one at a time, after one warm-up run. Printed: the
median wall time of the client, then for each (process, span name) the median length and the median start
relative to the client's exec, in the order of the chain; then the CPU time per run of the client and of
the two daemons (utime + stime, which move far less with the machine's load than wall times do).
"""

from __future__ import annotations

import argparse
import re
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))
from run_chain_docker import MINIDOCKER, cleanup_ours  # noqa: E402

from minidocker import trace  # noqa: E402
from minidocker.observe import timeline  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=15, help="traced runs")
    parser.add_argument("--keep", help="copy the last run's trace directory here")
    parser.add_argument("args", nargs="*", default=["--rm", "--network", "none", "busybox", "true"])
    a = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: containers need namespaces and cgroups")
    load_before = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="btrace-", dir="/tmp"))
    root, directory = tmp / "md", tmp / "trace"
    directory.mkdir()
    env = dict(os.environ, MINIDOCKER_ROOT=str(root), **{trace.ENV: str(directory)})
    runs: list[list[timeline.Span]] = []
    walls: list[float] = []
    cpu: dict[str, float] = {}
    try:
        subprocess.run([MINIDOCKER, "daemon", "start"], env=env, check=True, capture_output=True)
        daemons = {name: int((root / "run" / f"mini{name}.pid").read_text().split()[0]) for name in ("dockerd", "containerd")}
        for i in range(a.n + 1):
            if i == 1:
                before = {name: cpu_ms(pid) for name, pid in daemons.items()}
                before["client"] = children_cpu_ms()
            for f in directory.iterdir():
                f.unlink()
            t = time.perf_counter()
            subprocess.run([MINIDOCKER, "run", *a.args], env=env, check=True, capture_output=True, timeout=60)
            walls.append(time.perf_counter() - t)
            time.sleep(0.3)  # the spare shim the run used is replaced in the background: let it settle
            if i:
                runs.append(timeline.of_run(timeline.read(directory)))
        cpu = {name: (cpu_ms(pid) - before[name]) / a.n for name, pid in daemons.items()}
        cpu["client"] = (children_cpu_ms() - before["client"]) / a.n
        if a.keep:
            shutil.copytree(directory, a.keep, dirs_exist_ok=True)
    finally:
        cleanup_ours(root, env)
        shutil.rmtree(tmp, ignore_errors=True)
    report(runs, walls[1:], load_before, cpu)


def cpu_ms(pid: int) -> float:
    """utime + stime of a process, all its threads, in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def children_cpu_ms() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * 1000


def report(runs: list[list[timeline.Span]], walls: list[float], load_before: float, cpu: dict[str, float]) -> None:
    lengths: dict[tuple[str, str], list[float]] = {}
    starts: dict[tuple[str, str], list[float]] = {}
    for spans in runs:
        t0 = min(s.start for s in spans)
        seen = set()
        for s in spans:
            key = (s.role, re.sub(r"\b[0-9a-f]{12,64}\b", "<id>", s.name))
            if key in seen:  # a second span of the same name in one run (the shim's runtime calls) gets a suffix
                n = 2
                while (key[0], f"{key[1]} #{n}") in seen:
                    n += 1
                key = (key[0], f"{key[1]} #{n}")
            seen.add(key)
            lengths.setdefault(key, []).append(s.ms)
            starts.setdefault(key, []).append((s.start - t0) / 1e6)
    print(f"load average at the start: {load_before:.2f}; {len(runs)} traced runs")
    print(f"client wall time (exec to exit, as the bench sees it): median {statistics.median(walls) * 1000:.1f} ms")
    rank = {r: i for i, r in enumerate(timeline.ROLE_ORDER)}
    keys = sorted(lengths, key=lambda k: (rank.get(k[0], 99), statistics.median(starts[k])))
    print(f"  {'process':<10} {'span':<44} {'at':>7} {'length':>8}  (medians, ms; n)")
    for k in keys:
        print(f"  {k[0]:<10} {k[1][:44]:<44} {statistics.median(starts[k]):7.1f} {statistics.median(lengths[k]):8.1f}"
              f"  {len(lengths[k])}")
    print("CPU per run (utime + stime, mean): " + ", ".join(f"{k} {v:.1f} ms" for k, v in cpu.items())
          + " (the shim and the runtime are not counted: they are no children of this process)")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
