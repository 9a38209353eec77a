"""Benchmark: the whole chain `minidocker run --rm busybox true` (client -> minidockerd -> minicontainerd ->
shim -> minirunc) against `runc run` of a bundle and `docker run --rm busybox true` on a real dockerd 20.10;
`minidocker ps` latency; idle memory of the daemons and of one shim (DESIGN.md §4).

Usage (root): .venv/bin/python bench/run_chain_docker.py [-n 20] [--no-docker]

Targets: run at most 0.5 x docker's; ps at most 60 ms; dockerd + containerd at most 120 MB RSS; a shim at
most 15 MB RSS. (bench/run_chain.py times the chain against the docker CLI pointed at minidockerd; this one
starts a real dockerd for the comparison the target names.) Both engines run privately under one temporary directory and are removed afterwards: ours
by `minidocker daemon start` under its own MINIDOCKER_ROOT, Docker's as bench/real_dockerd.py describes
(busybox loaded into it from `minidocker save busybox`). The commands take turns run after run so that
load from other work hits them alike; each time is the wall clock of the whole command. Both engines have
their default bridge network: Docker's real dockerd in a network namespace of its own (docker0, a veth pair
per container, iptables on: real_dockerd.py says why), ours on the host (its own bridge and chains), so
the default network compares the same veth/bridge work; `--network none` compares the rest.
`--before-client REF`: the minidocker CLI as it was at git commit REF also takes its turns (run, ps, images),
against the same daemons: the client's own change, measured under the same load.
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
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
import leftovers  # noqa: E402
from real_dockerd import RealDockerd  # noqa: E402
from runc_run import make_bundle  # noqa: E402

MINIDOCKER = str(REPO / ".venv" / "bin" / "minidocker")
DOCKER_CLI = shutil.which("docker") or "/usr/bin/docker"


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode().strip()}")
    return elapsed


def rss_mb(pids: list[int]) -> float:
    """Sum of VmRSS (resident set) of the given processes, in MB (10^6 bytes)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total / 1e6


def pss_mb(pids: list[int]) -> float:
    """Sum of the proportional set size (Pss: a page shared by n processes counts 1/n) in MB: a shim forked
    from the spare shares most of its pages with it, which VmRSS counts in full."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total / 1e6


def our_pids(root: Path, shim_of_cid: str | None = None) -> dict[str, list[int]]:
    out = {}
    for role, name in (("dockerd", "minidockerd"), ("containerd", "minicontainerd")):
        out[role] = [int((root / "run" / f"{name}.pid").read_text().split()[0])]
    if shim_of_cid:
        import json

        ref = json.loads((root / "run" / "containerd" / "tasks" / shim_of_cid / "shim.json").read_text())
        out["shim"] = [int(ref["pid"])]
    return out


def cleanup_ours(root: Path, env: dict[str, str]) -> None:
    """Remove our engine: its containers, its daemons, its bridge and chains, its cgroups, its files."""
    ids = subprocess.run([MINIDOCKER, "ps", "-aq"], env=env, capture_output=True, text=True).stdout.split()
    if ids:
        subprocess.run([MINIDOCKER, "rm", "-f", *ids], env=env, capture_output=True)
    subprocess.run([MINIDOCKER, "daemon", "stop"], env=env, capture_output=True)
    from minidocker import paths

    os.environ[paths.ENV_ROOT] = str(root)
    try:
        from minidocker.dockerd.networks import NetworkManager

        NetworkManager(root / "lib" / "network").cleanup_instance()
    except Exception as e:  # noqa: BLE001 - reported, the rest of the clean-up goes on
        print(f"(network clean-up: {e})")
    instance = paths.instance_name()
    for ctrl in Path("/sys/fs/cgroup").iterdir():
        d = ctrl / instance
        for sub in sorted(d.rglob("*"), key=lambda p: len(str(p)), reverse=True) if d.is_dir() else []:
            if sub.is_dir():
                sub.rmdir()
        if d.is_dir():
            d.rmdir()
    mounts = [line.split()[4] for line in open("/proc/self/mountinfo")]
    for m in sorted((m for m in mounts if m.startswith(str(root))), key=len, reverse=True):
        subprocess.run(["umount", "-l", m], capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="runs per command")
    parser.add_argument("--no-docker", action="store_true", help="skip the real dockerd")
    parser.add_argument("--before-client", metavar="REF", help="also the minidocker CLI of this git commit, in turns")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    if os.geteuid() != 0:
        sys.exit("run as root: containers need namespaces and cgroups")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "minidocker")], check=True,
                   stdout=subprocess.DEVNULL)
    tmp = Path(tempfile.mkdtemp(prefix="bchain-", dir="/tmp"))  # short: unix socket paths are limited
    root = tmp / "md"
    env = dict(os.environ, MINIDOCKER_ROOT=str(root))
    real = RealDockerd(tmp / "dk", DOCKER_CLI, network=True)
    try:
        subprocess.run([MINIDOCKER, "daemon", "start"], env=env, check=True, capture_output=True)
        bundle = make_bundle(tmp)
        cmds = {
            "minidocker run --rm --network none busybox true": [MINIDOCKER, "run", "--rm", "--network", "none", "busybox", "true"],
            "minidocker run --rm busybox true (default bridge)": [MINIDOCKER, "run", "--rm", "busybox", "true"],
            "runc run (bundle: busybox, true)": ["runc", "--root", str(tmp / "runc-state"), "run", "--bundle", str(bundle), "R"],
        }
        envs = {k: env for k in cmds}
        why_no_docker = "--no-docker given" if args.no_docker else real.start()
        if why_no_docker is None:
            save = subprocess.run([MINIDOCKER, "save", "busybox"], env=env, capture_output=True, check=True).stdout
            real.docker("load", input=save)
            cmds["docker run --rm --network none busybox true"] = [DOCKER_CLI, "run", "--rm", "--network", "none", "busybox", "true"]
            cmds["docker run --rm busybox true (default bridge)"] = [DOCKER_CLI, "run", "--rm", "busybox", "true"]
            for k in list(cmds)[3:]:
                envs[k] = real.env()
        old_client: list[str] = []
        if args.before_client:  # after the docker commands: report() finds those by position
            from concurrent_runs import checkout, client_of

            old_client = client_of(checkout(args.before_client, tmp / "before-tree"))
            key = f"minidocker run --rm --network none busybox true (the client of {args.before_client})"
            cmds[key], envs[key] = old_client + ["run", "--rm", "--network", "none", "busybox", "true"], env
        times: dict[str, list[float]] = {k: [] for k in cmds}
        for k, argv in cmds.items():  # warm-up: page cache, pyc files, first cgroup attach
            timed(argv, envs[k])
        for i in range(args.n):
            for k, argv in cmds.items():
                times[k].append(timed(argv, envs[k]))

        # ps with one container running; then idle memory with that container.
        cid = subprocess.run([MINIDOCKER, "run", "-d", "busybox", "sleep", "600"], env=env, capture_output=True,
                             text=True, check=True).stdout.strip()
        # The real docker CLI against the same minidockerd, in turns with ours (issue 14: at most 2 x).
        cli_env = dict(env, DOCKER_HOST=f"unix://{root / 'run' / 'minidocker.sock'}")
        cli_env.pop("DOCKER_CONTEXT", None)
        ps, images, docker_ps, docker_images, old = [], [], [], [], {"ps": [], "images": []}
        for _ in range(args.n):
            ps.append(timed([MINIDOCKER, "ps"], env))
            docker_ps.append(timed([DOCKER_CLI, "ps"], cli_env))
            images.append(timed([MINIDOCKER, "images"], env))
            docker_images.append(timed([DOCKER_CLI, "images"], cli_env))
            for verb in old if old_client else ():
                old[verb].append(timed(old_client + [verb], env))
        time.sleep(2.0)  # idle: let the daemons settle after the burst
        ours = our_pids(root, cid)
        mem = {"ours": {role: rss_mb(p) for role, p in ours.items()}}
        mem["ours"]["shim pss"] = pss_mb(ours["shim"])
        if why_no_docker is None:
            real.docker("run", "-d", "--network", "none", "busybox", "sleep", "600")
            time.sleep(2.0)
            mem["docker"] = {role: rss_mb(p) for role, p in real.pids().items()}
            mem["docker"]["shim"] /= max(1, len(real.pids()["shim"]))
            mem["docker"]["shim pss"] = pss_mb(real.pids()["shim"]) / max(1, len(real.pids()["shim"]))
    finally:
        cleanup_ours(root, env)
        real.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"left after the bench (ours): {leftovers.after(root)}; in Docker's network namespace: "
          f"{len(real.in_netns())} processes")
    report(args.n, times, ps, images, mem, why_no_docker, docker_ps, docker_images, load_before)
    for verb, samples in old.items() if old_client else ():
        print(f"minidocker {verb} with the client of {args.before_client}: {median_ms(samples):.1f} ms")


def report(n, times, ps, images, mem, why_no_docker, docker_ps, docker_images, load_before) -> None:
    med = {k: median_ms(v) for k, v in times.items()}
    print(f"load average at the start: {load_before:.2f}")
    print(f"{n} runs each, taking turns; median wall time of the whole command")
    for k, v in med.items():
        print(f"  {v:7.1f} ms  {k}")
    keys = list(med)
    if why_no_docker is None:
        print(f"ratio minidocker / docker, --network none: {med[keys[0]] / med[keys[3]]:.2f}  (target: at most 0.5)")
        print(f"ratio minidocker / docker, default network: {med[keys[1]] / med[keys[4]]:.2f}")
    else:
        print(f"docker run not measured: {why_no_docker}")
    print(f"ratio minidocker run (none) / runc run: {med[keys[0]] / med[keys[2]]:.2f}  (the chain's cost over the runtime alone)")
    print(f"minidocker ps:     {median_ms(ps):.1f} ms, docker CLI ps against minidockerd {median_ms(docker_ps):.1f} ms: "
          f"{median_ms(ps) / median_ms(docker_ps):.2f} x (one container running; target: at most 2 x)")
    print(f"minidocker images: {median_ms(images):.1f} ms, docker CLI images against minidockerd "
          f"{median_ms(docker_images):.1f} ms: {median_ms(images) / median_ms(docker_images):.2f} x")
    o = mem["ours"]
    print(f"idle RSS, ours: dockerd {o['dockerd']:.1f} MB + containerd {o['containerd']:.1f} MB = "
          f"{o['dockerd'] + o['containerd']:.1f} MB (target: at most 120); one shim {o['shim']:.1f} MB (target: at most 15), "
          f"its Pss {o['shim pss']:.1f} MB")
    if "docker" in mem:
        d = mem["docker"]
        print(f"idle RSS, Docker 20.10: dockerd {d['dockerd']:.1f} MB + containerd {d['containerd']:.1f} MB = "
              f"{d['dockerd'] + d['containerd']:.1f} MB; one containerd-shim-runc-v2 {d['shim']:.1f} MB, its Pss "
              f"{d['shim pss']:.1f} MB")
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
