"""Benchmark: the image service: `images` listing, save, load (every blob verified), import, rmi (cf. DESIGN §4).

Usage: .venv/bin/python bench/images_service.py [-n 20] [--images 50]
In-process against a local content store under a temporary root (no daemon): median milliseconds of
list(all) with N images, inspect, history, save of busybox, load of that archive into a fresh store,
import of the busybox rootfs tar, and a tag + rmi pair. The daemon adds its HTTP round trip on top.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from minidocker import baseimage, paths  # noqa: E402
from minidocker.containerd.content import LocalStore  # noqa: E402
from minidocker.dockerd.images import ImageService  # noqa: E402


def timed(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--images", type=int, default=50)
    args = ap.parse_args()
    import os

    with tempfile.TemporaryDirectory() as tmp:
        os.environ[paths.ENV_ROOT] = tmp
        rootfs = baseimage.make_rootfs(Path(tmp) / "rootfs")
        baseimage.register(rootfs)
        content = LocalStore(Path(tmp) / "lib" / "containerd" / "content")
        svc = ImageService(Path(tmp) / "lib" / "image", content, None, None)
        base = svc.get("busybox")
        for i in range(args.images - 1):  # derived images sharing the base layer, each one tag
            config = json.loads(base.raw_config)
            config["config"]["Labels"] = {"n": str(i)}
            svc.register(json.dumps(config).encode(), base.layers, tags=[f"derived{i}:latest"])
        results = {
            f"list all ({args.images} images)": timed(lambda i: svc.list(all=True), args.n),
            "inspect busybox": timed(lambda i: svc.inspect("busybox"), args.n),
            "history busybox": timed(lambda i: svc.history("busybox"), args.n),
            "df": timed(lambda i: svc.df(), args.n),
        }
        archive = b"".join(svc.save(["busybox"]))
        results[f"save busybox ({len(archive) >> 10} KiB)"] = timed(lambda i: b"".join(svc.save(["busybox"])), args.n)

        def load(i: int) -> None:
            fresh = ImageService(Path(tmp) / f"load{i}" / "image", LocalStore(Path(tmp) / f"load{i}" / "content"),
                                 None, None)
            fresh.load(io.BytesIO(archive))

        results["load busybox into a fresh store"] = timed(load, args.n)
        layer = baseimage.layer_tar(rootfs)
        results["import busybox rootfs tar"] = timed(
            lambda i: svc.import_image(io.BytesIO(layer), repo="imported", tag=str(i)), args.n)
        results["tag + rmi (untag only)"] = timed(
            lambda i: (svc.tag("busybox", "t", str(i)), svc.remove(f"t:{i}")), args.n)
    for name, ms in results.items():
        print(f"{name:40s} {ms:8.2f} ms (median of {args.n})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
