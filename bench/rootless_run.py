"""Benchmark: `minidocker run --rm busybox true` on an ordinary user's rootless engine against the same
command as root on a root engine, in turns, in the same run (issue 15's closing figure).

Usage (root): .venv/bin/python bench/rootless_run.py [-n 20]

A throwaway user (useradd, with the subordinate ids useradd allocates) starts their engine with
`minidocker daemon start` (rootless/launcher.py); root's engine runs under a temporary MINIDOCKER_ROOT.
The two commands alternate run after run so that the machine's other load hits them alike; each time is
the wall clock of the whole command (runuser's own cost is timed alone and reported, not subtracted).
The user, their engine and root's engine are removed afterwards, whatever happens.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MD = str(REPO / ".venv" / "bin" / "minidocker")
sys.path.insert(0, str(REPO / "tests" / "integration"))


def timed(argv: list[str], env: dict | None = None, cwd: str | None = None) -> float:
    began = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env, cwd=cwd)
    return time.perf_counter() - began


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("-n", type=int, default=20)
    a = p.parse_args()
    from rootless_fixture import Learner, remove_user

    name = "mdbench" + secrets.token_hex(3)
    subprocess.run(["useradd", "-m", "-K", "HOME_MODE=0700", name], check=True, capture_output=True)
    learner = Learner(name)
    root_dir = tempfile.mkdtemp(prefix="md-bench-root-")
    env = dict(os.environ, MINIDOCKER_ROOT=root_dir)
    as_user = ["runuser", "-u", name, "--", *learner.env()]
    try:
        subprocess.run([*as_user, MD, "daemon", "start"], check=True, capture_output=True, cwd=learner.home)
        subprocess.run([MD, "daemon", "start"], check=True, capture_output=True, env=env)
        for _ in range(2):  # warm both (page cache, first cgroup/bridge set-up)
            timed([*as_user, MD, "run", "--rm", "busybox", "true"], cwd=str(learner.home))
            timed([MD, "run", "--rm", "busybox", "true"], env=env)
        rootless, rooted, runuser = [], [], []
        for _ in range(a.n):
            rootless.append(timed([*as_user, MD, "run", "--rm", "busybox", "true"], cwd=str(learner.home)))
            rooted.append(timed([MD, "run", "--rm", "busybox", "true"], env=env))
            runuser.append(timed([*as_user, "true"], cwd=str(learner.home)))
        load = os.getloadavg()
        print(f"minidocker run --rm busybox true, median of {a.n} in turns (load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}):")
        print(f"  rootless (runuser -u USER -- minidocker ...): {statistics.median(rootless) * 1000:.0f} ms")
        print(f"  as root (its own engine):                    {statistics.median(rooted) * 1000:.0f} ms")
        print(f"  runuser alone:                               {statistics.median(runuser) * 1000:.0f} ms")
        print(f"  rootless / root: {statistics.median(rootless) / statistics.median(rooted):.2f}")
    finally:
        subprocess.run([MD, "daemon", "stop"], capture_output=True, env=env)
        subprocess.run([sys.executable, "-m", "minidocker.course", "reset", root_dir], capture_output=True, cwd=REPO)
        subprocess.run(["rm", "-rf", root_dir])
        remove_user(learner)
    return 0


if __name__ == "__main__":
    sys.exit(main())
