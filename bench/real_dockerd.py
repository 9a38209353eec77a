"""A private, temporary instance of Debian's real dockerd 20.10 for benchmarks only (never the system one).

Everything it owns lives under one temporary directory: --data-root, --exec-root (where it starts its own
containerd), the API socket (-H unix://...), --pidfile. By default no bridge, no iptables rules, no
masquerading. With `network=True` it has Docker's default network as a real install has it (docker0, veth
pairs, its DOCKER chains and MASQUERADE, iptables on), but inside a network namespace of its own (started
under `unshare --net`): Docker's chain names are fixed (DOCKER, DOCKER-USER, DOCKER-ISOLATION-STAGE-1...),
so on the host it would edit the chains of every other Docker and test engine; in its own namespace it
touches nothing of the host's, and its bridge and rules vanish with the namespace when it stops (an empty
iptables there is a little cheaper to edit than the host's, which favours Docker). Its containers' cgroups
go under a parent named after this process. Whatever it creates outside that directory
(/etc/docker/key.json, /run/docker, the cgroup parent) is removed on stop unless it existed before.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

DOCKERD = shutil.which("dockerd") or "/usr/sbin/dockerd"
UNSHARE = shutil.which("unshare") or "/usr/bin/unshare"
CGROUP_FS = Path("/sys/fs/cgroup")
OUTSIDE = [Path("/etc/docker/key.json"), Path("/run/docker/plugins"), Path("/run/docker"), Path("/etc/docker")]


class RealDockerd:
    def __init__(self, where: Path, docker_cli: str, network: bool = False) -> None:
        self.where = Path(where)
        self.network = network
        self.netns: tuple[int, int] | None = None  # (dev, inode) of its network namespace, with network=True
        self.sock = self.where / "docker.sock"
        self.cli = docker_cli
        self.cgroup_parent = f"bench-dockerd-{os.getpid()}"
        self.proc: subprocess.Popen | None = None
        self.existed = {p: p.exists() for p in OUTSIDE}

    def env(self) -> dict[str, str]:
        env = dict(os.environ, DOCKER_HOST=f"unix://{self.sock}", DOCKER_CONFIG=str(self.where / "cli-config"))
        env.pop("DOCKER_CONTEXT", None)
        return env

    def docker(self, *args: str, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([self.cli, *args], env=self.env(), input=input, capture_output=True)
        if check and done.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)}: {done.stderr.decode().strip()}")
        return done

    def start(self, timeout: float = 60.0, preexec_fn=None) -> str | None:
        """Start it; None when it answers, else the reason it could not run (with its log's last lines).
        `preexec_fn` runs in the child before the exec (bench/cpuacct.py: join a group that counts its CPU)."""
        if os.geteuid() != 0:
            return "not root"
        if not os.access(DOCKERD, os.X_OK):
            return f"{DOCKERD} is not installed"
        self.where.mkdir(parents=True, exist_ok=True)
        log = open(self.where / "dockerd.log", "wb")
        argv = [DOCKERD, "--data-root", str(self.where / "data"), "--exec-root", str(self.where / "exec"),
                "-H", f"unix://{self.sock}", "--pidfile", str(self.where / "dockerd.pid"), "--ip6tables=false",
                "--cgroup-parent", self.cgroup_parent]
        if self.network:
            argv = [UNSHARE, "--net", "--", *argv]  # unshare execs dockerd: self.proc is dockerd
        else:
            argv += ["--bridge=none", "--iptables=false", "--ip-masq=false"]
        self.proc = subprocess.Popen(
            argv,
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=preexec_fn)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return f"dockerd exited with {self.proc.returncode}: {self.log_tail()}"
            if self.sock.exists() and self.docker("version", check=False).returncode == 0:
                if self.network:
                    st = os.stat(f"/proc/{self.proc.pid}/ns/net")
                    self.netns = (st.st_dev, st.st_ino)
                return None
            time.sleep(0.2)
        return f"dockerd did not answer within {timeout:.0f}s: {self.log_tail()}"

    def log_tail(self, lines: int = 3) -> str:
        try:
            return " | ".join((self.where / "dockerd.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def pids(self) -> dict[str, list[int]]:
        """dockerd, its containerd, and the shims below this instance (by their command lines)."""
        out: dict[str, list[int]] = {"dockerd": [], "containerd": [], "shim": []}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            text = b" ".join(cmd).decode(errors="replace")
            if str(self.where) not in text:
                continue
            name = os.path.basename(cmd[0].decode(errors="replace"))
            role = {"dockerd": "dockerd", "containerd": "containerd", "containerd-shim-runc-v2": "shim"}.get(name)
            if role:
                out[role].append(int(entry))
        return out

    def in_netns(self) -> list[int]:
        """Pids still in its network namespace (with network=True): none once it is gone, bridge and rules too."""
        if self.netns is None:
            return []
        left = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    st = os.stat(f"/proc/{entry}/ns/net")
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) == self.netns:
                    left.append(int(entry))
        return left

    def stop(self) -> None:
        """Stop dockerd (its containerd with it), then remove every trace of it."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.docker("rm", "-f", *self.docker("ps", "-aq", check=False).stdout.decode().split(), check=False)
            except (OSError, RuntimeError):
                pass
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in [p for group in self.pids().values() for p in group] + self.in_netns():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        mounts = [line.split()[4] for line in open("/proc/self/mountinfo")]
        for m in sorted((m for m in mounts if m.startswith(str(self.where))), key=len, reverse=True):
            subprocess.run(["umount", "-l", m], capture_output=True)
        for ctrl in CGROUP_FS.iterdir():
            parent = ctrl / self.cgroup_parent
            for d in sorted(parent.rglob("*"), key=lambda p: len(str(p)), reverse=True) if parent.is_dir() else []:
                if d.is_dir():
                    d.rmdir()
            if parent.is_dir():
                parent.rmdir()
        for path in OUTSIDE:  # deepest first: key.json before /etc/docker
            if not self.existed[path] and path.exists():
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink()
        shutil.rmtree(self.where, ignore_errors=True)
