"""Benchmark: minidockerd's peak memory while `logs --tail 1` and `logs` read a large json-file log (issue 9: a
224 MB log took dockerd from 135 to 624 MB).

Usage (root): .venv/bin/python bench/logs_memory.py [--mb 224]

An engine runs under a temporary MINIDOCKER_ROOT (minicontainerd + minidockerd, as tests/integration's
engine fixture starts them); one exited container gets a json-file log of --mb megabytes written
straight into its log file (lines like the shim writes). dockerd's VmRSS and peak VmHWM
(/proc/PID/status) are read after start-up, after `minidocker logs --tail 1` and after `minidocker logs`
(output discarded). Everything is stopped and removed afterwards, even on failure. To compare with older
code: `git worktree add --detach /tmp/old COMMIT; cd /tmp && PYTHONPATH=/tmp/old .venv/bin/python
REPO/bench/logs_memory.py` (from outside the repository, or `python -m` picks up the current tree).
Measured 2026-12-04 (load average ~15, 223 MB log): before the fix (42b9036) peak 748 MB after
`logs --tail 1`; after it 56 MB throughout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from engine_fixture import Engine  # noqa: E402


def memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) // 1024, int(fields["VmHWM"].split()[0]) // 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=224)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="logs-bench-", dir="/var/tmp")) / "root"
    base.mkdir()
    eng = Engine(base)
    try:
        eng.start()
        out = eng.cli("run", "--name", "talker", "busybox", "echo", "hi")
        cid = eng.cli("inspect", "--format", "{{.Id}}", "talker").stdout.strip()
        assert out.returncode == 0 and cid, out.stderr
        log = base / "lib" / "containers" / cid / f"{cid}-json.log"
        line = json.dumps({"log": "x" * 200 + "\n", "stream": "stdout", "time": "2026-12-04T00:00:00.000000001Z"}) + "\n"
        block = line * 4096
        with open(log, "a") as f:
            for _ in range(args.mb * (1 << 20) // len(block)):
                f.write(block)
        pid = eng.dockerd.pid
        print(f"log: {log.stat().st_size >> 20} MB; load average {os.getloadavg()[0]:.2f}")
        print("after start-up:      rss %4d MB, peak %4d MB" % memory(pid))
        tail = subprocess.run([sys.executable, "-m", "minidocker.client.cli", "logs", "--tail", "1", "talker"],
                              env=eng.env, capture_output=True)
        assert tail.returncode == 0 and tail.stdout.endswith(b"x\n"), tail.stderr
        print("after logs --tail 1: rss %4d MB, peak %4d MB" % memory(pid))
        with open(os.devnull, "wb") as null:
            full = subprocess.run([sys.executable, "-m", "minidocker.client.cli", "logs", "talker"], env=eng.env,
                                  stdout=null, stderr=subprocess.PIPE)
        assert full.returncode == 0, full.stderr
        print("after logs:          rss %4d MB, peak %4d MB" % memory(pid))
    finally:
        eng.teardown()
        subprocess.run(["rm", "-rf", str(base.parent)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
