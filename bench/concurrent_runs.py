"""Benchmark: N containers started at once, `minidocker run --rm --network none busybox true` against
`docker run ...` on a real dockerd 20.10, and what is left afterwards (issue 14: total time at most 0.5 x
Docker's, nothing leaked).

Usage (root): .venv/bin/python bench/concurrent_runs.py [-n 50] [--rounds 2] [--network default]

`--network default`: each engine's default bridge (Docker's in its own network namespace: real_dockerd.py).

Both engines run privately under one temporary directory (bench/run_chain_docker.py, bench/real_dockerd.py)
and are removed afterwards. Each round launches the N clients of one engine together, waits for all, then
the other engine's; the engines alternate the first place from round to round. After each burst: the
containers left (`ps -aq`), the shims and runtimes still running for our root, and the mounts under it.

CPU per container: the clients' own (user + system from wait4), and the engine's: each engine's daemons
join a private cpuacct cgroup before they exec (bench/cpuacct.py), so containerd, every shim and every
runtime they fork are counted with them (Docker's containers too, under its relative --cgroup-parent;
ours run in the engine's own cgroups, but `true` costs next to nothing).
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

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import leftovers  # noqa: E402
from cpuacct import CpuGroup  # noqa: E402
from real_dockerd import RealDockerd  # noqa: E402
from run_chain_docker import DOCKER_CLI, MINIDOCKER, cleanup_ours  # noqa: E402


def burst(argv: list[str], env: dict[str, str], n: int) -> tuple[float, int, float]:
    """Wall time of n copies of argv started together; how many failed; the CPU seconds of the clients
    (user + system of each client process, from wait4)."""
    start = time.perf_counter()
    procs = [subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(n)]
    failed, cpu = 0, 0.0
    for p in procs:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        failed += p.returncode != 0
        cpu += usage.ru_utime + usage.ru_stime
    return time.perf_counter() - start, failed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50, help="containers per burst")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--network", default="none", help="none (default), or default: each engine's bridge")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root")
    load_before = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="bconc-", dir="/tmp"))
    root = tmp / "md"
    env = dict(os.environ, MINIDOCKER_ROOT=str(root))
    real = RealDockerd(tmp / "dk", DOCKER_CLI, network=args.network != "none")
    ours_t, docker_t, left = [], [], []
    cpu: dict[str, list[tuple[float, float]]] = {"ours": [], "docker": []}  # per burst: (clients, engine)
    groups = {"ours": CpuGroup("bench-conc-ours"), "docker": CpuGroup("bench-conc-docker")}
    try:
        subprocess.run([MINIDOCKER, "daemon", "start"], env=env, check=True, capture_output=True,
                       preexec_fn=groups["ours"].join)
        why = real.start(preexec_fn=groups["docker"].join)
        if why is not None:
            sys.exit(f"the real dockerd did not start: {why}")
        save = subprocess.run([MINIDOCKER, "save", "busybox"], env=env, capture_output=True, check=True).stdout
        real.docker("load", input=save)
        net = ["--network", "none"] if args.network == "none" else []
        ours = [MINIDOCKER, "run", "--rm", *net, "busybox", "true"]
        theirs = [DOCKER_CLI, "run", "--rm", *net, "busybox", "true"]
        burst(ours, env, 2)  # warm-up
        burst(theirs, real.env(), 2)
        for r in range(args.rounds):
            order = [("ours", ours, env), ("docker", theirs, real.env())]
            for name, argv, e in (order if r % 2 == 0 else order[::-1]):
                engine_before = groups[name].seconds()
                t, failed, clients = burst(argv, e, args.n)
                engine = groups[name].seconds() - engine_before
                cpu[name].append((clients, engine))
                (ours_t if name == "ours" else docker_t).append(t)
                print(f"round {r + 1}: {name:6} {args.n} at once: {t:6.2f} s, {failed} failed; CPU: clients "
                      f"{clients:5.2f} s, engine {engine:5.2f} s", flush=True)
            left.append(leftovers.during(root, env, MINIDOCKER))
    finally:
        cleanup_ours(root, env)
        real.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        for g in groups.values():
            if not g.close():
                print(f"(cgroup {g.path} still holds processes)")
    o, d = statistics.median(ours_t), statistics.median(docker_t)
    print(f"load average at the start: {load_before:.2f}, at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"median total: minidocker {o:.2f} s, docker {d:.2f} s: ratio {o / d:.2f} (target: at most 0.5)")
    for name, runs in cpu.items():
        clients, engine = statistics.median(c for c, _ in runs), statistics.median(e for _, e in runs)
        print(f"CPU per container ({name}): client {clients / args.n * 1000:.0f} ms, engine (daemons, shims, "
              f"runtimes) {engine / args.n * 1000:.0f} ms")
    print(f"left after each round (ours): {left}")
    print(f"left after the bench (ours): {leftovers.after(root)}; in Docker's network namespace: "
          f"{len(real.in_netns())} processes")


if __name__ == "__main__":
    main()
