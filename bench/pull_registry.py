"""Benchmark: pulling a ~100 MB multi-layer image from the course registry, minidocker against skopeo copy.

Usage (root): .venv/bin/python bench/pull_registry.py [-n 3] [--mb 100] [--layers 4]
A private engine (its own MINIDOCKER_ROOT) and a course registry on a loopback port; the image has
incompressible random layers pushed once. Each minidocker run is `minidocker pull` through the whole
engine (CLI -> dockerd -> containerd's content store, every blob verified), after `rmi` has removed
the image and its layers; each skopeo run is `skopeo copy docker://... oci:<new dir>`. They take
turns, run after run, and the medians and their ratio are printed from the same run.
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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from minidocker.dockerd.distribution.config import RegistryConfig  # noqa: E402
from minidocker.dockerd.distribution.push import Push  # noqa: E402
from minidocker.registry.process import serve_in_background  # noqa: E402
from tests.unit.images_fixtures import make_service  # noqa: E402


def timed(argv: list[str], env: dict[str, str], expect: str = "", count: int = 0) -> float:
    start = time.perf_counter()
    out = subprocess.run(argv, env=env, check=True, capture_output=True, text=True).stdout
    elapsed = time.perf_counter() - start
    if expect and out.count(expect) != count:  # every layer really travelled: nothing was already there
        raise SystemExit(f"expected {count} x {expect!r} in:\n{out}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=3)
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--layers", type=int, default=4)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-pull-"))
    env = dict(os.environ, MINIDOCKER_ROOT=str(work / "engine"))
    cli = [str(REPO / ".venv" / "bin" / "minidocker")]
    registry = serve_in_background(work / "registry")
    try:
        src, _ = make_service(work / "src")
        per = args.mb * 1024 * 1024 // args.layers
        from tests.unit.images_fixtures import make_image

        name = f"{registry.address}/bench/big:1"
        make_image(src, [{f"data/{i}.bin": os.urandom(per)} for i in range(args.layers)], tags=(name,))
        list(Push(src, name, config=RegistryConfig()))
        subprocess.run(cli + ["daemon", "start"], env=env, check=True, stdout=subprocess.DEVNULL)
        ours, theirs = [], []
        for i in range(args.n):
            subprocess.run(cli + ["rmi", "-f", name], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            ours.append(timed(cli + ["pull", name], env, "Pull complete", args.layers))
            dest = work / f"skopeo-{i}"
            theirs.append(timed(["skopeo", "copy", "--src-tls-verify=false", f"docker://{name}", f"oci:{dest}:1"], env))
            shutil.rmtree(dest, ignore_errors=True)
        m_ours, m_theirs = statistics.median(ours), statistics.median(theirs)
        print(f"image: {args.layers} layers, {args.mb} MB (random bytes), course registry on {registry.address}")
        print(f"minidocker pull : median {m_ours * 1000:7.0f} ms  runs {[round(t * 1000) for t in ours]}")
        print(f"skopeo copy     : median {m_theirs * 1000:7.0f} ms  runs {[round(t * 1000) for t in theirs]}")
        print(f"ratio minidocker/skopeo: {m_ours / m_theirs:.2f}")
    finally:
        subprocess.run(cli + ["daemon", "stop"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        registry.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
