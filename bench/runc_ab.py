"""Benchmark: the `minirunc run` of two checkouts (each with its own .venv), run after run in turns on one bundle.

Usage (root): .venv/bin/python bench/runc_ab.py /path/to/checkout-before [-n 60]
The bundle is bench/runc_run.py's (busybox rootfs, `runc spec`, `true`). Taking turns run by run makes the
load that other work puts on the machine hit both alike, so a change's cost shows even on a busy host
where two separate runs of bench/runc_run.py would differ by more than the change. The CPU time (user+sys
of the runtime and the processes it waited for: the init's forks, not a daemonised container) is printed
beside the wall time: it moves less with the load.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="another checkout of the repository, set up with scripts/setup.sh")
    parser.add_argument("-n", type=int, default=60, help="runs per checkout")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: containers need namespaces and cgroups")
    sys.path.insert(0, str(REPO / "bench"))
    from runc_run import make_bundle

    trees = {"before": Path(args.before).resolve(), "after": REPO}
    for tree in trees.values():  # as after installation: no compiling on the timed path
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "minidocker")], check=True,
                       stdout=subprocess.DEVNULL)
    times: dict[str, list[float]] = {name: [] for name in trees}
    cpu: dict[str, list[float]] = {name: [] for name in trees}  # user+sys of the runtime and what it waited for
    start_load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-runc-ab-") as tmp:
        bundle = make_bundle(Path(tmp))
        for i in range(-1, args.n):  # run -1 warms both up
            for name, tree in trees.items():
                argv = [str(tree / ".venv" / "bin" / "minirunc"), "--root", f"{tmp}/{name}", "run", "--bundle",
                        str(bundle), f"ab-{name}-{os.getpid()}-{i}"]
                used = resource.getrusage(resource.RUSAGE_CHILDREN)
                begin = time.perf_counter()
                done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                elapsed = time.perf_counter() - begin
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                if done.returncode != 0:
                    sys.exit(f"{name}: {done.stderr.decode().strip()}")
                if i >= 0:
                    times[name].append(elapsed)
                    cpu[name].append(after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime)
    for name, tree in trees.items():
        commit = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        print(f"{name} ({commit}): median {statistics.median(times[name]) * 1000:.1f} ms wall, "
              f"{statistics.median(cpu[name]) * 1000:.1f} ms CPU (user+sys) over {args.n} runs")
    print(f"load average (1 min) at start / end: {start_load:.2f} / {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
