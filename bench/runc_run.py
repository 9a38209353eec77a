"""Benchmark: `minirunc run` against `runc run` and `crun run` of the same bundle (issue 14: at most 1.25 x runc; DESIGN.md §4 said 1.5).

Usage (root): .venv/bin/python bench/runc_run.py [-n 30]
minirunc is measured twice: as the console script (whose interpreter runs site.py and the editable
install's import finder first) and started as `python -I -S`, as minidocker.runc.launch.command() does.
One bundle (the busybox rootfs, the real `runc spec` with terminal off and `true` as the process);
the runtimes take turns run after run so that load from other work hits them alike; each time is the
wall clock of the whole command, as a shim would see it. crun 1.8 refuses this machine's hybrid
cgroup layout unless /sys/fs/cgroup/unified is absent, so its runs happen in a child process that has
its own mount namespace with that mount detached (the host is untouched).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MINIRUNC = REPO / ".venv" / "bin" / "minirunc"


def make_bundle(where: Path) -> Path:
    from minidocker import baseimage

    bundle = where / "bundle"
    bundle.mkdir()
    baseimage.make_rootfs(bundle / "rootfs")
    subprocess.run(["runc", "spec"], cwd=bundle, check=True)
    spec = json.loads((bundle / "config.json").read_text())
    spec["process"]["terminal"] = False
    spec["process"]["args"] = ["true"]
    (bundle / "config.json").write_text(json.dumps(spec))
    return bundle


def one_run(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({done.returncode}): {done.stderr.decode().strip()}")
    return elapsed


def command(runtime: str, state: Path, bundle: Path, i: int) -> list[str]:
    """minirunc: the console script; minirunc-boot: the same CLI started as `python -I -S` (launch.command())."""
    if runtime == "minirunc":
        exe = [str(MINIRUNC)]
    elif runtime == "minirunc-boot":
        from minidocker.runc import launch

        exe = launch.command()
    else:
        exe = [shutil.which(runtime)]
    return [*exe, "--root", str(state / runtime), "run", "--bundle", str(bundle), f"bench-{runtime}-{os.getpid()}-{i}"]


def crun_child(state: Path, bundle: Path, n: int, write_fd: int) -> None:
    """In a private mount namespace without the empty v2 hierarchy, time n runs of crun."""
    from minidocker.linux import mount, namespaces

    namespaces.unshare(namespaces.CLONE_NEWNS)
    mount.mount(None, "/", None, mount.MS_REC | mount.MS_PRIVATE)
    if os.path.ismount("/sys/fs/cgroup/unified"):
        mount.umount("/sys/fs/cgroup/unified", mount.MNT_DETACH)
    times = [one_run(command("crun", state, bundle, i)) for i in range(n)]
    os.write(write_fd, json.dumps(times).encode())


def crun_times(state: Path, bundle: Path, n: int) -> list[float] | str:
    if not shutil.which("crun"):
        return "crun is not installed"
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            crun_child(state, bundle, n, w)
            os._exit(0)
        except BaseException as e:  # noqa: BLE001
            os.write(w, json.dumps(str(e)).encode())
            os._exit(1)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.waitpid(pid, 0)
    return json.loads(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="runs per runtime")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: containers need namespaces and cgroups")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "minidocker")], check=True,
                   stdout=subprocess.DEVNULL)  # as after installation: no compiling on the timed path
    with tempfile.TemporaryDirectory(prefix="bench-runc-") as tmp:
        where = Path(tmp)
        bundle = make_bundle(where)
        times: dict[str, list[float]] = {"minirunc": [], "minirunc-boot": [], "runc": []}
        for runtime in times:  # one warm-up run each (page cache, pyc files)
            one_run(command(runtime, where, bundle, -1))
        names = list(times)
        for i in range(args.n):  # turns in a rotating order: no runtime always follows the same one
            for runtime in names[i % len(names):] + names[:i % len(names)]:
                times[runtime].append(one_run(command(runtime, where, bundle, i)))
        crun = crun_times(where, bundle, args.n)
    med = {name: statistics.median(t) * 1000 for name, t in times.items()}
    print(f"bundle: busybox rootfs, `runc spec` with args [\"true\"]; {args.n} runs each (median wall time)")
    print(f"minirunc run: {med['minirunc']:.1f} ms  (the console script .venv/bin/minirunc)")
    print(f"minirunc run: {med['minirunc-boot']:.1f} ms  (python -I -S, as minidocker.runc.launch.command() starts it)")
    print(f"runc run:     {med['runc']:.1f} ms")
    if isinstance(crun, list):
        print(f"crun run:     {statistics.median(crun) * 1000:.1f} ms  (in a mount namespace without /sys/fs/cgroup/unified)")
    else:
        print(f"crun run:     not measured: {crun}")
    print(f"ratio minirunc / runc: {med['minirunc'] / med['runc']:.2f} (console script), "
          f"{med['minirunc-boot'] / med['runc']:.2f} (-I -S)  (target: at most 1.25)")
    print(f"load average during the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
