"""Benchmark: instructions the CLIENT process executes for `ps`, `images` and `run`, ours against the real docker CLI, a figure the machine's load does not move.

Usage (root): .venv/bin/python bench/client_instructions.py [-n 3] [--root DIR]

Wall times on this shared 2-CPU machine move with other people's work; the number of instructions a
process executes does not. This counts them with valgrind's callgrind (the VM has no hardware counters,
so `perf stat -e instructions` says <not supported>), for the client process only (the daemons run
outside valgrind, at full speed): `.venv/bin/minidocker ps|images` (the launcher as a user runs it) and
the docker CLI's `ps|images` against the same minidockerd, and the client process of `run --rm --network
none busybox true`, ours and the docker CLI's (against the same minidockerd too). The Go CLI runs with GODEBUG=asyncpreemptoff=1 (callgrind aborts on the
signals Go's preemption sends; its count is bimodal, ~19 M or ~27 M for the same `ps`, as its goroutines
happen to run: hence the range beside each median), and
as a copy without debug sections (`objcopy --strip-debug`: the same code; valgrind 3.19 cannot read
docker 28's DWARF 5).
`python -I -S -c pass` is the interpreter's own floor. `--before REF`: also the client as it was at git
commit REF (started as the launcher starts ours), against the same daemon. Median of n runs each. An engine is started under
a temporary root (as bench/run_chain_docker.py does) unless --root names one whose daemons run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
from concurrent_runs import checkout, client_of  # noqa: E402
from run_chain_docker import cleanup_ours  # noqa: E402

MINIDOCKER = str(REPO / ".venv" / "bin" / "minidocker")
DOCKER_CLI = shutil.which("docker") or "/usr/bin/docker"


def instructions(argv: list[str], env: dict[str, str]) -> int:
    """Instructions executed by the process (its threads included, its children not)."""
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv], env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"{' '.join(argv)} under callgrind failed ({done.returncode}): {done.stderr[-2000:]}")
    return int(found.group(1))


def tmp_copy_of_docker(where: Path) -> Path:
    """The docker CLI without its debug sections (the same instructions run), for valgrind to load."""
    copy = where / "docker"
    if subprocess.run(["objcopy", "--strip-debug", DOCKER_CLI, str(copy)], capture_output=True).returncode != 0:
        shutil.copy(DOCKER_CLI, copy)
    return copy


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=5, help="runs per command (the median is shown, and the range)")
    p.add_argument("--root", help="MINIDOCKER_ROOT of running daemons (default: start a temporary engine)")
    p.add_argument("--before", metavar="REF", help="also the client of this git commit, against the same daemon")
    a = p.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    tmp = None if a.root else Path(tempfile.mkdtemp(prefix="binsn-", dir="/tmp"))
    root = Path(a.root) if a.root else tmp / "md"
    env = dict(os.environ, MINIDOCKER_ROOT=str(root))
    env.pop("MINIDOCKER_HOST", None)
    docker = str(tmp_copy_of_docker(Path(tempfile.mkdtemp(prefix="binsn-cli-", dir="/tmp"))))
    docker_env = dict(env, DOCKER_HOST=f"unix://{root / 'run' / 'minidocker.sock'}", GODEBUG="asyncpreemptoff=1")
    docker_env.pop("DOCKER_CONTEXT", None)
    load_before = os.getloadavg()[0]
    cid = ""
    try:
        if tmp:
            subprocess.run([MINIDOCKER, "daemon", "start"], env=env, check=True, capture_output=True)
        cid = subprocess.run([MINIDOCKER, "run", "-d", "busybox", "sleep", "600"], env=env, check=True,
                             capture_output=True, text=True).stdout.strip()
        cmds = {
            "python -I -S -c pass (the floor)": ([sys.executable, "-I", "-S", "-c", "pass"], env),
            "minidocker ps": ([MINIDOCKER, "ps"], env),
            "docker ps (same minidockerd)": ([docker, "ps"], docker_env),
            "minidocker images": ([MINIDOCKER, "images"], env),
            "docker images (same minidockerd)": ([docker, "images"], docker_env),
            "minidocker run --rm --network none busybox true (client)":
                ([MINIDOCKER, "run", "--rm", "--network", "none", "busybox", "true"], env),
            "docker run --rm --network none busybox true (client, same minidockerd)":
                ([docker, "run", "--rm", "--network", "none", "busybox", "true"], docker_env),
        }
        if a.before:
            old = client_of(checkout(a.before, Path(docker).parent / "before-tree"))
            for verb in (["ps"], ["images"], ["run", "--rm", "--network", "none", "busybox", "true"]):
                cmds[f"minidocker {verb[0]}, the client of {a.before}"] = (old + verb, env)
        for argv, e in cmds.values():  # warm-up: bytecode, page cache
            subprocess.run(argv, env=e, capture_output=True)
        samples = {k: sorted(instructions(argv, e) for _ in range(a.n)) for k, (argv, e) in cmds.items()}
    finally:
        if cid:
            subprocess.run([MINIDOCKER, "rm", "-f", cid], env=env, capture_output=True)
        if tmp:
            cleanup_ours(root, env)
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(Path(docker).parent, ignore_errors=True)
    version = subprocess.run([DOCKER_CLI, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"load average {load_before:.2f} (instruction counts do not depend on it); median of {a.n} runs; "
          f"{DOCKER_CLI}: {version}")
    counts = {k: statistics.median(v) for k, v in samples.items()}
    for k, v in samples.items():
        print(f"  {counts[k] / 1e6:8.1f} M instructions  {k}  (range {v[0] / 1e6:.1f}-{v[-1] / 1e6:.1f})")
    for verb in ("ps", "images"):
        ours, theirs = counts[f"minidocker {verb}"], counts[f"docker {verb} (same minidockerd)"]
        print(f"minidocker {verb} / docker {verb}: {ours / theirs:.2f}")
    ours = counts["minidocker run --rm --network none busybox true (client)"]
    theirs = counts["docker run --rm --network none busybox true (client, same minidockerd)"]
    print(f"minidocker run / docker run (the client process): {ours / theirs:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
