"""Benchmark: N containers started at once, `minidocker run --rm --network none busybox true` against
`docker run ...` on a real dockerd 20.10, and what is left afterwards (issue 14: total time at most 0.5 x
Docker's, nothing leaked).

Usage (root): .venv/bin/python bench/concurrent_runs.py [-n 50] [--rounds 2] [--network default] [--before REF]

`--network default`: each engine's default bridge (Docker's in its own network namespace: real_dockerd.py).
`--before REF`: a third engine, minidocker as it was at git commit REF (its package extracted under the
temporary directory, its daemons importing it first), in turns with the two others: before and after
side by side under the same load.

Both engines run privately under one temporary directory (bench/run_chain_docker.py, bench/real_dockerd.py)
and are removed afterwards. Each round launches the N clients of one engine together, waits for all, then
the other engine's; the engines alternate the first place from round to round. After each burst: the
containers left (`ps -aq`), the shims and runtimes still running for our root, and the mounts under it.

CPU per container: the clients' own (user + system from wait4), and the engine's: each engine's daemons
join a private cpuacct cgroup before they exec (bench/cpuacct.py), so containerd, every shim and every
runtime they fork are counted with them; the containers too (the runtime's init does its mounts and
pivot_root once in the container's cgroups): Docker's are below its group (its relative --cgroup-parent),
ours under the instance's cgroup (`minidocker-TAG`), whose usage is added.
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
from run_chain_docker import DOCKER_CLI, MINIDOCKER, REPO, cleanup_ours  # noqa: E402


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


def checkout(ref: str, where: Path) -> Path:
    """The package as it was at `ref` (git archive), byte-compiled: the engine of --before."""
    where.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "minidocker"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive.stdout, check=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(where / "minidocker")], check=True,
                   stdout=subprocess.DEVNULL)
    return where


def client_of(tree: Path) -> list[str]:
    """The CLI of another tree, started as .venv/bin/minidocker starts ours (-I -S, the venv's packages)."""
    site = next((REPO / ".venv" / "lib").glob("python3*/site-packages"))
    return [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(tree)!r}); "
            f"sys.path.append({str(site)!r}); from minidocker.client.cli import main; sys.exit(main())"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50, help="containers per burst")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--network", default="none", help="none (default), or default: each engine's bridge")
    parser.add_argument("--before", metavar="REF", help="also a minidocker engine of this git commit, in turns")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root")
    load_before = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="bconc-", dir="/tmp"))
    net = ["--network", "none"] if args.network == "none" else []
    # name -> (CLI argv, environment, root or None for Docker)
    engines: dict[str, tuple[list[str], dict[str, str], Path | None]] = {}
    engines["ours"] = ([MINIDOCKER], dict(os.environ, MINIDOCKER_ROOT=str(tmp / "md")), tmp / "md")
    if args.before:
        tree = checkout(args.before, tmp / "before-tree")
        # its daemons import the package from that tree first (they run `python -m`, site-packages after)
        engines["before"] = (client_of(tree), dict(os.environ, MINIDOCKER_ROOT=str(tmp / "mb"), PYTHONPATH=str(tree)),
                             tmp / "mb")
    real = RealDockerd(tmp / "dk", DOCKER_CLI, network=args.network != "none")
    engines["docker"] = ([DOCKER_CLI], real.env(), None)
    times: dict[str, list[float]] = {name: [] for name in engines}
    cpu: dict[str, list[tuple[float, float]]] = {name: [] for name in engines}  # per burst: (clients, engine)
    groups = {name: CpuGroup(f"bench-conc-{name}") for name in engines}
    for name, (_, _, root) in engines.items():
        if root is not None:  # our containers' cgroups are under the instance's, not under the daemons'
            groups[name].count_also(f"minidocker-{leftovers.tag(root)}")
    left: dict[str, list[dict[str, int]]] = {name: [] for name, (_, _, root) in engines.items() if root}
    try:
        for name, (cli, env, root) in engines.items():
            if root is not None:
                subprocess.run([*cli, "daemon", "start"], env=env, check=True, capture_output=True,
                               preexec_fn=groups[name].join)
        why = real.start(preexec_fn=groups["docker"].join)
        if why is not None:
            sys.exit(f"the real dockerd did not start: {why}")
        save = subprocess.run([MINIDOCKER, "save", "busybox"], env=engines["ours"][1], capture_output=True,
                              check=True).stdout
        real.docker("load", input=save)
        for name, (cli, env, _) in engines.items():
            burst([*cli, "run", "--rm", *net, "busybox", "true"], env, 2)  # warm-up
        for r in range(args.rounds):
            order = list(engines) if r % 2 == 0 else list(engines)[::-1]
            for name in order:
                cli, env, root = engines[name]
                engine_before = groups[name].seconds()
                t, failed, clients = burst([*cli, "run", "--rm", *net, "busybox", "true"], env, args.n)
                engine = groups[name].seconds() - engine_before
                cpu[name].append((clients, engine))
                times[name].append(t)
                print(f"round {r + 1}: {name:6} {args.n} at once: {t:6.2f} s, {failed} failed; CPU: clients "
                      f"{clients:5.2f} s, engine {engine:5.2f} s", flush=True)
                if root is not None:
                    left[name].append(leftovers.during(root, env, MINIDOCKER))
    finally:
        for name, (cli, env, root) in engines.items():
            if root is not None:
                cleanup_ours(root, env)
        real.stop()
        for g in groups.values():
            if not g.close():
                print(f"(cgroup {g.path} still holds processes)")
    med = {name: statistics.median(t) for name, t in times.items()}
    print(f"load average at the start: {load_before:.2f}, at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    for name in engines:
        if name != "docker":
            print(f"median total: {name} {med[name]:.2f} s, docker {med['docker']:.2f} s: ratio "
                  f"{med[name] / med['docker']:.2f} (target: at most 0.5)")
    for name, runs in cpu.items():
        clients, engine = statistics.median(c for c, _ in runs), statistics.median(e for _, e in runs)
        print(f"CPU per container ({name}): client {clients / args.n * 1000:.0f} ms, engine (daemons, shims, "
              f"runtimes) {engine / args.n * 1000:.0f} ms")
    for name, rounds in left.items():
        print(f"left after each round ({name}): {rounds}")
        print(f"left after the bench ({name}): {leftovers.after(engines[name][2])}")
    print(f"left in Docker's network namespace: {len(real.in_netns())} processes")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
