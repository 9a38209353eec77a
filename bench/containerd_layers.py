"""Benchmark: the busybox layer through the content store, the diff service and the overlay snapshotter.

Usage (root, for the overlay mounts): .venv/bin/python bench/containerd_layers.py [-n 20] [--containers 10]
Times (median of n): write the base image (pack + gzip + verified store), apply its layer into a fresh
snapshot (against GNU `tar -xzf` of the same blob), prepare + mount + unmount a container's overlay,
and diff a small change. Disk: the snapshotter root holding one base and N containers, against N copies.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from minidocker import baseimage  # noqa: E402
from minidocker.containerd.content import LocalStore  # noqa: E402
from minidocker.containerd.diff import DiffService  # noqa: E402
from minidocker.containerd.snapshots import OverlaySnapshotter  # noqa: E402
from minidocker.containerd.snapshots.overlay import disk_usage  # noqa: E402
from minidocker.linux.mountall import mount_all, unmount_all  # noqa: E402
from minidocker.oci import image as oci  # noqa: E402


def timed(fn, n: int) -> float:
    times = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--containers", type=int, default=10)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-layers-"))
    rootfs = baseimage.make_rootfs(work / "rootfs")
    store = LocalStore(work / "content")
    sn = OverlaySnapshotter(work / "overlayfs")
    diff = DiffService(store)

    ms_image = timed(lambda i: baseimage.write_image(LocalStore(work / f"c{i}"), rootfs), args.n)
    desc = baseimage.write_image(store, rootfs)
    layer = oci.Manifest.from_bytes(store.read_bytes(desc.digest)).layers[0]

    def apply(i: int) -> None:
        diff.apply(layer, sn.prepare(f"extract-{i}"))

    ms_apply = timed(apply, args.n)

    def gnu_tar(i: int) -> None:
        d = work / f"tar{i}"
        d.mkdir()
        subprocess.run(["tar", "-xzf", str(store.path(layer.digest)), "-C", str(d)], check=True)

    ms_tar = timed(gnu_tar, args.n)
    sn.commit("base", "extract-0")
    for i in range(1, args.n):
        sn.remove(f"extract-{i}")
    mnt = work / "mnt"
    mnt.mkdir()

    def container(i: int) -> None:
        mount_all(sn.prepare(f"ctr-{i}", "base"), mnt)
        unmount_all(mnt)

    ms_ctr = timed(container, args.n)
    for i in range(args.n):
        sn.remove(f"ctr-{i}")

    mounts = sn.prepare("changed", "base")
    mount_all(mounts, mnt)
    try:
        (mnt / "etc" / "motd").write_text("hello\n")
        (mnt / "bin" / "vi").unlink()
    finally:
        unmount_all(mnt)
    ms_diff = timed(lambda i: diff.compare(sn.view(f"v{i}", "base"), sn.mounts("changed")), args.n)

    before = disk_usage(sn.root).size
    for i in range(args.containers):
        mount_all(sn.prepare(f"c-{i}", "base"), mnt)
        (mnt / "tmp" / "note").write_text(f"container {i}\n")
        unmount_all(mnt)
    shared = disk_usage(sn.root).size
    base = sn.usage("base").size
    print(f"busybox layer: {layer.size} bytes gzip, {base} bytes on disk (n={args.n}, medians)")
    print(f"write base image (pack+gzip+store)  {ms_image:7.1f} ms")
    print(f"apply layer into a snapshot         {ms_apply:7.1f} ms   (GNU tar -xzf: {ms_tar:.1f} ms)")
    print(f"prepare + mount + unmount container {ms_ctr:7.1f} ms")
    print(f"diff a small change into a layer    {ms_diff:7.1f} ms")
    print(f"{args.containers} containers on one base: snapshot root grew {shared - before} bytes "
          f"(copies would need {args.containers * base}); base held once: {base} bytes")
    subprocess.run(["rm", "-rf", str(work)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
