"""Starting shims and finding them again (cf. containerd core/runtime/v2/shim.go and binary.go).

containerd launches `minidocker-shim`, which forks the real shim into its own session and exits:
the shim is re-parented to init and containerd only keeps what it needs to find it again,
the socket address and the pid, in <bundle>/shim.json. After a restart, `load()` reads those
files back and asks each shim whether it is still there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import RuntimeFailure
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
        write_atomic(path, json.dumps({"id": self.id, "address": self.address, "pid": self.pid}).encode())

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
    """Launch a shim for `container_id` and wait until it listens."""
    address = protocol.socket_address(run_dir, container_id)
    if len(address.encode()) > 107:
        raise RuntimeFailure(f"shim socket path too long for a unix socket: {address}")
    argv = [sys.executable, "-I", "-S", "-c", _BOOT, "--id", container_id, "--bundle", bundle,
            "--address", address, "--run-dir", run_dir]
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, start_new_session=True,
                          timeout=60)
    if done.returncode != 0:
        raise RuntimeFailure((done.stderr.strip() or f"minidocker-shim exited with {done.returncode}").splitlines()[-1])
    pid, address = done.stdout.strip().split(" ", 1)  # the address is a path: it may hold spaces
    ref = ShimRef(id=container_id, bundle=bundle, address=address, pid=int(pid))
    ref.save()
    return ref


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
