"""Benchmark: minirunc's create/start/delete as a shim forks them (shim/warm.py), on a bundle with Docker's
defaults (its mounts, masked paths, device rules, capabilities and seccomp profile: oci/defaults.py), and
the CPU of each command and of the container's init.

Usage (root): .venv/bin/python bench/runc_warm.py [-n 20] [--gap 0.2]

This process imports minirunc's modules once (warm.preload), becomes a child subreaper (as a shim) and
forks minirunc for each command, as the shim does on every `run`. Printed per command: the median wall
time and the median CPU (user + system from rusage: the forked runtime's own); and the CPU of the init
(reaped here once `delete` is done: its namespaces, mounts, pivot_root, seccomp and its execve of `true`).
CPU times move far less with the load of the shared machine than wall times. `--gap` seconds pass between
cycles (the kernel's first cgroup attach after a quiet spell waits an RCU grace period: see linux/cgroupwarm.py;
the shim starts paying it as a create arrives, which this bench does the same way).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def make_bundle(where: Path) -> Path:
    from minidocker import baseimage
    from minidocker.oci import defaults, seccomp_default

    bundle = where / "bundle"
    bundle.mkdir()
    baseimage.make_rootfs(bundle / "rootfs")
    spec = defaults.default_spec("bench-warm", ["true"], instance="bench-runc-warm")
    spec["linux"]["seccomp"] = seccomp_default.profile(spec["process"]["capabilities"]["bounding"])
    (bundle / "config.json").write_text(json.dumps(spec))
    return bundle


def children_cpu_ms() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * 1000


def reap_all() -> None:
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="create/start/delete cycles (after one warm-up)")
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between cycles")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root")
    from minidocker.linux import process
    from minidocker.linux import cgroupwarm
    from minidocker.shim import warm

    warm.preload()
    process.set_child_subreaper()  # the init is re-parented here, as to a shim
    load_before = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="brwarm-", dir="/tmp"))
    root = tmp / "state"
    null = os.open(os.devnull, os.O_RDWR)
    samples: dict[str, list[tuple[float, float]]] = {"create": [], "start": [], "delete": [], "init": []}

    def run(*argv: str) -> tuple[float, float]:
        before, t = children_cpu_ms(), time.perf_counter()
        pid = warm.spawn(["--root", str(root), *argv], [null, null, null])
        _, status = os.waitpid(pid, 0)
        wall = (time.perf_counter() - t) * 1000
        if status != 0:
            raise SystemExit(f"minirunc {' '.join(argv)} failed (status {status}): see {root}")
        return wall, children_cpu_ms() - before

    try:
        bundle = make_bundle(tmp)
        for i in range(args.n + 1):
            cgroupwarm.start()  # as dockerd and the shim do when a create request arrives
            create = run("create", "--bundle", str(bundle), "c")
            init = json.loads((root / "c" / "state.json").read_text())["pid"]
            start = run("start", "c")
            before = children_cpu_ms()
            os.waitpid(init, 0)  # our child now (its runtime exited): reaped as the shim reaps it, before delete
            init_cpu = children_cpu_ms() - before
            delete = run("delete", "c")
            reap_all()
            if i:
                samples["create"].append(create)
                samples["start"].append(start)
                samples["delete"].append(delete)
                samples["init"].append((0.0, init_cpu))
            time.sleep(args.gap)
    finally:
        os.close(null)
        import subprocess

        subprocess.run([*__import__("minidocker.runc.launch", fromlist=["command"]).command(), "--root", str(root),
                        "delete", "--force", "c"], capture_output=True)
        reap_all()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average at the start: {load_before:.2f}; {args.n} cycles, minirunc forked as a shim forks it")
    for name, values in samples.items():
        cpu = statistics.median(v[1] for v in values)
        if name == "init":
            print(f"  the container's init: CPU {cpu:5.1f} ms (namespaces, mounts, pivot_root, seccomp, execve)")
        else:
            print(f"  {name:7} wall {statistics.median(v[0] for v in values):6.1f} ms (min {min(v[0] for v in values):5.1f}),"
                  f" CPU {cpu:5.1f} ms")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
