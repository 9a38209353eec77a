"""Starting shims and finding them again (cf. containerd core/runtime/v2/shim.go and binary.go).

containerd launches `minidocker-shim`, which forks the real shim into its own session and exits:
the shim is re-parented to init and containerd only keeps what it needs to find it again,
the socket address and the pid, in <bundle>/shim.json. After a restart, `load()` reads those
files back and asks each shim whether it is still there.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import RuntimeFailure
from ..linux import namespaces
from ..linux.atomicfile import write_atomic
from ..shim import protocol

# Start the shim with the interpreter by absolute path, isolated (-I) and without site (-S): only the
# standard library and this package are needed, which saves the cost of site-packages on every run.
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
_BOOT = ("import sys; sys.path.insert(0, {!r}); from minidocker.shim.main import main; "
         "sys.exit(main(sys.argv[1:]))").format(_PACKAGE_PARENT)


@dataclass
class ShimRef:
    """What containerd keeps on disk about a shim."""

    id: str
    bundle: str
    address: str
    pid: int

    def save(self) -> None:
        path = os.path.join(self.bundle, "shim.json")
        # No fsync: the run directory does not outlive a reboot (/run is a tmpfs, where containerd's O_SYNC
        # address file costs nothing), and a crash of containerd alone loses nothing the page cache holds.
        write_atomic(path, json.dumps({"id": self.id, "address": self.address, "pid": self.pid}).encode(),
                     durable=False)

    @classmethod
    def read(cls, bundle: str) -> "ShimRef":
        with open(os.path.join(bundle, "shim.json")) as f:
            data = json.load(f)
        return cls(id=data["id"], bundle=bundle, address=data["address"], pid=int(data["pid"]))

    def alive(self) -> bool:
        """The pid still names a live shim: pids are reused, so check its name; a zombie (exited, not yet
        reaped by init, which may take a while) counts as gone."""
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                stat = f.read()
        except OSError:
            return False
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        state = stat[stat.rfind(")") + 2 :][:1]
        return name == "minidocker-shim" and state not in ("Z", "X")

    def call(self, method: str, timeout: float | None = 60.0, **args) -> dict:
        return protocol.call(self.address, method, timeout=timeout, **args)


def start(container_id: str, bundle: str, run_dir: str) -> ShimRef:
    """A shim for `container_id`, listening: forked by the spare shim if it is ready, else launched now."""
    address = protocol.socket_address(run_dir, container_id)
    if len(address.encode()) > 107:
        raise RuntimeFailure(f"shim socket path too long for a unix socket: {address}")
    args = {"id": container_id, "bundle": bundle, "address": address, "run_dir": run_dir}
    line = _spares.take(run_dir, args)
    if line is None:
        line = _launch(["--id", container_id, "--bundle", bundle, "--address", address, "--run-dir", run_dir])
    pid, address = line.split(" ", 1)  # the address is a path: it may hold spaces
    ref = ShimRef(id=container_id, bundle=bundle, address=address, pid=int(pid))
    ref.save()
    return ref


def _launch(args: list[str], nice: bool = False) -> str:
    """Run the shim's launcher; its one line: "<shim pid> <address>"."""
    argv = [sys.executable, "-I", "-S", "-c", _BOOT, *args]
    if nice:
        argv = [NICE, "-n", str(SPARE_NICENESS), *argv]
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, start_new_session=True,
                          timeout=60)
    if done.returncode != 0:
        raise RuntimeFailure((done.stderr.strip() or f"minidocker-shim exited with {done.returncode}").splitlines()[-1])
    return done.stdout.strip()


NICE = "/usr/bin/nice"
SPARE_NICENESS = 10


class Spares:
    """The spare shim (shim/main.py's --spare), started, imported and listening ahead of need, which forks each
    container's shim on request (cf. a zygote): no `run` waits for an interpreter to start and import the
    shim, and 50 `run`s at once do not start 50 interpreters. containerd holds one connection to it and
    asks on it one container at a time (a fork takes a few milliseconds); the spare exits when containerd
    goes (EOF). If it is not ready, or fails, the shim is launched the usual way and a new spare started."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one request at a time on the connection
        self._ready: socket.socket | None = None
        self._reader = None
        self._starting = False
        self._n = itertools.count()

    def take(self, run_dir: str, args: dict) -> str | None:
        """A shim forked for a container; its answer line, or None if there was no spare (or it failed)."""
        line = b""
        with self._lock:
            conn, reader = self._ready, self._reader
            if conn is not None:
                try:
                    conn.sendall(json.dumps(args).encode() + b"\n")
                    line = reader.readline(4096)
                except OSError:
                    line = b""
                if not line:  # the spare is gone: drop it, start another
                    self._ready = self._reader = None
                    reader.close()
                    conn.close()
        if not line:
            self.refill(run_dir)
            return None
        text = line.decode().strip()
        return None if text.startswith("error") else text

    def refill(self, run_dir: str) -> None:
        """Start the spare in the background unless it is ready or on its way."""
        with self._lock:
            if self._ready is not None or self._starting:
                return
            self._starting = True
        threading.Thread(target=self._start, args=(run_dir,), name="spare-shim", daemon=True).start()

    def _start(self, run_dir: str) -> None:
        conn = None
        try:
            address = protocol.socket_address(run_dir, f"spare-{os.getpid()}-{next(self._n)}")
            # Niced while it starts (it competes with the run that found no spare); it takes back the normal
            # priority once ready, which only root in the initial user namespace may do (CAP_SYS_NICE there).
            # Not in a user namespace (a rootless engine): no capability there to take the niceness back.
            nice = os.geteuid() == 0 and not namespaces.in_user_namespace()
            _, address = _launch(["--spare", address], nice=nice).split(" ", 1)
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
            conn.connect(address)
            conn.settimeout(30)  # a fork takes milliseconds: a spare silent this long is dropped
        except (OSError, RuntimeFailure, ValueError, subprocess.SubprocessError):
            if conn is not None:
                conn.close()
            conn = None  # no spare: shims are launched per container, as before
        with self._lock:
            self._ready, self._starting = conn, False
            self._reader = conn.makefile("rb") if conn is not None else None


_spares = Spares()


def keep_spare(run_dir: str) -> None:
    """Have a spare shim ready for the next container (containerd calls this once it serves)."""
    _spares.refill(run_dir)


def load(tasks_dir: Path) -> list[ShimRef]:
    """Every shim containerd had started, as recorded in the bundles under tasks_dir."""
    found = []
    if not tasks_dir.is_dir():
        return found
    for bundle in sorted(tasks_dir.iterdir()):
        try:
            found.append(ShimRef.read(str(bundle)))
        except (OSError, ValueError, KeyError):
            continue
    return found
