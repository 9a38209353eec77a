"""Benchmark: the full chain `minidocker run --rm busybox true` (client -> dockerd -> containerd -> shim -> runc) (DESIGN.md §4).

Usage (root): .venv/bin/python bench/run_chain.py [-n 20]
An engine (minicontainerd + minidockerd) is started under a temporary MINIDOCKER_ROOT, as the tests do.
Timed, taking turns run after run, each the wall clock of the whole command:
  minidocker run --rm busybox true      the course's CLI
  docker run --rm busybox true          the real docker CLI 28 against minidockerd
  runc run (bundle)                     the real runc alone on a busybox bundle: the floor
  minidocker ps / docker ps             list latency with a running daemon (target 60 ms)
Docker 20.10's own `docker run --rm busybox true` is not measured here (its daemon must not run on
these machines); DESIGN.md records about 330 ms, and the target is at most half of it.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "integration"))
sys.path.insert(0, str(REPO / "bench"))

DOCKER_REFERENCE_MS = 330.0


def timed(argv: list[str], env: dict | None = None, cwd: Path | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode().strip()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="runs of each command")
    args = parser.parse_args()
    from engine_fixture import DOCKER, Engine
    from runc_run import make_bundle

    work = Path(tempfile.mkdtemp(prefix="md-bench-"))
    engine = Engine(work / "mdroot")
    try:
        engine.start()
        bundle = make_bundle(work)
        minidocker = str(REPO / ".venv" / "bin" / "minidocker")
        sock = f"unix://{engine.socket}"
        cmds = {
            "minidocker run --rm busybox true": ([minidocker, "run", "--rm", "busybox", "true"], None),
            "docker run --rm busybox true (-> minidockerd)": ([DOCKER, "-H", sock, "run", "--rm", "busybox", "true"],
                                                              None),
            "runc run (bundle, no engine)": (["runc", "--root", str(work / "runc"), "run", "-b", str(bundle), None], None),
            "minidocker ps": ([minidocker, "ps"], None),
            "docker ps (-> minidockerd)": ([DOCKER, "-H", sock, "ps"], None),
        }
        for argv, _ in cmds.values():  # warm caches once
            timed([a if a is not None else "bench-" + uuid.uuid4().hex[:8] for a in argv], engine.env)
        results: dict[str, list[float]] = {k: [] for k in cmds}
        for _ in range(args.n):
            for name, (argv, _) in cmds.items():
                results[name].append(timed([a if a is not None else "bench-" + uuid.uuid4().hex[:8] for a in argv],
                                           engine.env))
        print(f"{'command':50} {'median ms':>10} {'min ms':>8}   (n={args.n})")
        for name, values in results.items():
            print(f"{name:50} {statistics.median(values) * 1000:10.1f} {min(values) * 1000:8.1f}")
        ours = statistics.median(results["minidocker run --rm busybox true"]) * 1000
        print(f"\nminidocker run / docker 20.10 ({DOCKER_REFERENCE_MS:.0f} ms, DESIGN.md): {ours / DOCKER_REFERENCE_MS:.2f} "
              f"(target <= 0.5)")
        ps = statistics.median(results["minidocker ps"]) * 1000
        print(f"minidocker ps: {ps:.1f} ms (target <= 60 ms)")
    finally:
        engine.teardown()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
