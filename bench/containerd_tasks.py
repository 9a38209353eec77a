"""Benchmark: a task's life through minicontainerd and a shim, per runtime, and the idle memory of both daemons' parts
(DESIGN.md §4: one shim at most 15 MB RSS; dockerd + containerd together at most 120 MB).

Usage (root): .venv/bin/python bench/containerd_tasks.py [-n 10]
Starts minicontainerd in a temporary MINIDOCKER_ROOT, then for each runtime (runc, minirunc) runs
`true` n times through the gRPC client (containers.create, tasks.create, start, wait, delete),
runtimes taking turns; prints the median of each step. Then it leaves one `sleep` container per
runtime running, waits a moment, and prints the RSS and USS (psutil) of minicontainerd and each shim.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STEPS = ("tasks.create", "start", "wait", "delete")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mdbench-", dir="/tmp"))
    root = work / "root"
    root.mkdir()
    os.environ["MINIDOCKER_ROOT"] = str(root)
    sys.path.insert(0, str(REPO / "tests" / "integration"))
    import psutil
    from containerd_fixture import Containerd, cleanup

    from minidocker import baseimage
    from minidocker.oci.defaults import default_spec

    rootfs = baseimage.make_rootfs(work / "rootfs")
    ctd = Containerd(root, rootfs)
    ctd.start()
    times: dict[str, dict[str, list[float]]] = {rt: {s: [] for s in STEPS} for rt in ("runc", "minirunc")}
    try:
        for i in range(args.n):
            for rt, steps in times.items():
                cid = f"{rt}-{i}"
                spec = default_spec(cid, ["true"])
                spec["root"]["readonly"] = True
                ctd.client.containers.create(cid, json.dumps(spec).encode(), runtime=rt)
                mounts = [{"type": "bind", "source": str(rootfs), "options": ["rbind", "ro"]}]
                for step, call in (("tasks.create", lambda: ctd.client.tasks.create(cid, mounts, None, "")),
                                   ("start", lambda: ctd.client.tasks.start(cid)),
                                   ("wait", lambda: ctd.client.tasks.wait(cid)),
                                   ("delete", lambda: ctd.client.tasks.delete(cid))):
                    t = time.perf_counter()
                    call()
                    steps[step].append(time.perf_counter() - t)
                ctd.client.containers.delete(cid)
        for rt, steps in times.items():
            cells = "  ".join(f"{s} {statistics.median(v) * 1000:6.1f} ms" for s, v in steps.items())
            total = sum(statistics.median(v) for v in steps.values()) * 1000
            print(f"{rt:9} {cells}  sum {total:6.1f} ms")
        for rt in times:
            ctd.run(f"idle-{rt}", ["sleep", "600"], runtime=rt)
        time.sleep(2)
        daemon = psutil.Process(ctd.proc.pid)
        print(f"minicontainerd          rss {daemon.memory_info().rss / 2**20:5.1f} MiB  "
              f"uss {daemon.memory_full_info().uss / 2**20:5.1f} MiB")
        for rt in times:
            shim = psutil.Process(ctd.client.tasks.get(f"idle-{rt}").shim_pid)
            print(f"shim (container on {rt:8}) rss {shim.memory_info().rss / 2**20:5.1f} MiB  "
                  f"uss {shim.memory_full_info().uss / 2**20:5.1f} MiB")
    finally:
        ctd.kill(signal.SIGTERM)
        cleanup(root)
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
