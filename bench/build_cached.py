"""Benchmark: a rebuild with every step cached, `minidocker build` against Docker's classic `docker build` of the same context (DESIGN.md §4: at most 0.5 x).

Usage (root): .venv/bin/python bench/build_cached.py [-n 20]

Both engines run here under temporary roots, side by side:
- minidocker: minicontainerd + minidockerd started by `minidocker daemon start` under a temporary
  MINIDOCKER_ROOT; timed: `minidocker build -t bench:1 CTX` (the CLI, as a user types it).
- Docker: Debian's dockerd 20.10 (with the containerd it starts itself), never the system one:
  `--data-root`/`--exec-root`/`--pidfile` in the temporary directory, its own `-H unix://` socket,
  no networking set-up (`--bridge=none --iptables=false --ip-masq=false`); busybox loaded into it from
  `minidocker save busybox`; timed: `DOCKER_BUILDKIT=0 docker build -t bench:1 CTX` (the classic
  builder, whose output and cache minidocker's follows).
Also timed: the real docker CLI against minidockerd (`docker build` -> minidockerd), the same Go
client for both engines, so that the engines alone are compared.
The context: a Dockerfile of 8 steps (WORKDIR, COPY of a file and of a directory, two RUNs, ENV, LABEL,
CMD) and 20 small files. Each engine builds it once uncached, then the two take turns rebuilding,
run after run, so that load from other work hits them alike; each figure is the median wall time
of the whole command. Every cached rebuild is checked to print "Using cache" at every step.
Everything started is stopped and the temporary directory removed, even on failure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MINIDOCKER = REPO / ".venv" / "bin" / "minidocker"
DOCKER, DOCKERD = shutil.which("docker"), shutil.which("dockerd")

DOCKERFILE = """FROM busybox
WORKDIR /app
COPY config.txt ./
COPY src/ /app/src/
RUN echo built > /app/built.txt
RUN ls -R /app > /app/listing.txt
ENV MODE=bench
LABEL purpose=benchmark
CMD ["cat", "/app/listing.txt"]
"""


def make_context(where: Path) -> Path:
    ctx = where / "ctx"
    (ctx / "src").mkdir(parents=True)
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    (ctx / "config.txt").write_text("mode=bench\n")
    for i in range(20):
        (ctx / "src" / f"file{i:02}.txt").write_text(f"file {i}\n" * 50)
    return ctx


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:2])} failed ({done.returncode}): {(done.stdout + done.stderr).strip()[-400:]}")
    return elapsed, done.stdout


def all_cached(output: str) -> bool:
    """Every step after FROM printed ` ---> Using cache`."""
    steps = output.count("\nStep ") + output.startswith("Step ")
    return steps > 1 and output.count("---> Using cache") == steps - 1


class RealDocker:
    """dockerd 20.10 under a temporary root, with the containerd it manages; stopped by stop()."""

    def __init__(self, where: Path) -> None:
        self.where = where
        self.sock = where / "docker.sock"
        self.env = dict(os.environ, DOCKER_HOST=f"unix://{self.sock}", DOCKER_BUILDKIT="0",
                        DOCKER_CONFIG=str(where / "config"))
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> None:
        argv = [DOCKERD, "--data-root", str(self.where / "data"), "--exec-root", str(self.where / "exec"),
                "--pidfile", str(self.where / "docker.pid"), "-H", f"unix://{self.sock}",
                "--bridge=none", "--iptables=false", "--ip-masq=false", "--ip6tables=false"]
        log = open(self.where / "dockerd.log", "wb")
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dockerd exited {self.proc.returncode}: " + self.log_tail())
            if subprocess.run([DOCKER, "version"], env=self.env, capture_output=True).returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("dockerd did not answer within %.0fs: %s" % (timeout, self.log_tail()))

    def log_tail(self) -> str:
        try:
            return (self.where / "dockerd.log").read_text()[-600:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # dockerd stops the containerd it started
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def unmount_under(root: Path) -> None:
    """Lazily unmount whatever an engine left mounted under root, deepest first, before removing it."""
    targets = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            target = line.split()[4].replace("\\040", " ")
            if target == str(root) or target.startswith(str(root) + "/"):
                targets.append(target)
    for target in sorted(targets, key=len, reverse=True):
        subprocess.run(["umount", "-l", target], capture_output=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=20, help="cached rebuilds per engine (default 20)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: both engines need namespaces, mounts and cgroups")
    tmp = Path(tempfile.mkdtemp(prefix="bench-build-"))
    md_env = dict(os.environ, MINIDOCKER_ROOT=str(tmp / "md"))
    docker: RealDocker | None = None
    try:
        ctx = make_context(tmp)
        subprocess.run([str(MINIDOCKER), "daemon", "start"], env=md_env, check=True, capture_output=True)
        md_build = [str(MINIDOCKER), "build", "-t", "bench:1", str(ctx)]
        first_md, _ = timed(md_build, md_env)
        runners = {"minidocker build": (md_build, md_env)}
        if DOCKER:  # the same Go client for both engines: the engines alone compared
            cli_env = dict(md_env, DOCKER_HOST=f"unix://{tmp / 'md' / 'run' / 'minidocker.sock'}",
                           DOCKER_BUILDKIT="0", DOCKER_CONFIG=str(tmp / "cli-config"))
            runners["docker build -> minidockerd"] = ([DOCKER, "build", "-t", "bench:1", str(ctx)], cli_env)
        why_not = None
        if DOCKER and DOCKERD:
            docker = RealDocker(tmp / "docker")
            docker.where.mkdir()
            try:
                docker.start()
                archive = tmp / "busybox.tar"
                subprocess.run([str(MINIDOCKER), "save", "-o", str(archive), "busybox"], env=md_env, check=True)
                subprocess.run([DOCKER, "load", "-i", str(archive)], env=docker.env, check=True, capture_output=True)
                dk_build = [DOCKER, "build", "-t", "bench:1", str(ctx)]
                first_dk, _ = timed(dk_build, docker.env)
                runners["docker build (classic)"] = (dk_build, docker.env)
            except (RuntimeError, subprocess.CalledProcessError, SystemExit) as err:
                why_not = f"the real Docker engine could not run here: {err}"
        else:
            why_not = "docker or dockerd is not installed"
        times: dict[str, list[float]] = {name: [] for name in runners}
        for _ in range(args.n):
            for name, (argv, env) in runners.items():
                elapsed, out = timed(argv, env)
                if not all_cached(out):
                    raise SystemExit(f"{name}: a rebuild was not fully cached:\n{out}")
                times[name].append(elapsed)
        print(f"first (uncached) build: minidocker {first_md * 1000:.0f} ms"
              + (f", docker {first_dk * 1000:.0f} ms" if "docker build (classic)" in times else ""))
        medians = {name: statistics.median(t) * 1000 for name, t in times.items()}
        for name, ms in medians.items():
            spread = f"min {min(times[name]) * 1000:.0f}, max {max(times[name]) * 1000:.0f}"
            print(f"{name:28s} cached rebuild: median {ms:7.1f} ms ({spread}; n={args.n})")
        real = medians.get("docker build (classic)")
        if real is None:
            print(why_not)
        for name in ("minidocker build", "docker build -> minidockerd"):
            if real is not None and name in medians:
                print(f"ratio {name} / docker build (classic): {medians[name] / real:.2f} (target: at most 0.50)")
    finally:
        if docker is not None:
            docker.stop()
        subprocess.run([str(MINIDOCKER), "daemon", "stop"], env=md_env, capture_output=True)
        unmount_under(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
