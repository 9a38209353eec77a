"""A container's recorded state under --root/ID/state.json and its status machine (cf. runc libcontainer/container_linux.go currentStatus, state_linux.go).

The status is never stored: like runc it is derived each time from the kernel. The init process
alive (same pid AND same start time, so a recycled pid is not mistaken for it) and the exec fifo
present means `created`; alive without the fifo, `running`; gone or a zombie, `stopped`.
"""

from __future__ import annotations

import os

from .. import jsonfast
from ..errors import Conflict, InvalidArgument, NotFound
from ..linux import process
from ..linux.atomicfile import write_atomic

OCI_VERSION = "1.0.2-dev"
STATE_FILE = "state.json"
EXEC_FIFO = "exec.fifo"


class Status:
    """runc's container statuses (libcontainer Status): one shared object per status, compared with `is`, its
    text in `.value`. Not an enum.Enum: importing enum costs a standalone `minirunc` ~3 ms of its ~22."""

    __slots__ = ("value",)
    CREATING: Status
    CREATED: Status
    RUNNING: Status
    PAUSED: Status
    STOPPED: Status

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Status.{self.value.upper()}"


for _name in ("creating", "created", "running", "paused", "stopped"):
    setattr(Status, _name.upper(), Status(_name))


# Which command may act in which status (cf. runc's stateTransition checks); anything else is refused.
ALLOWED: dict[str, set[Status]] = {
    "start": {Status.CREATED},
    "kill": {Status.CREATED, Status.RUNNING, Status.PAUSED},
    "exec": {Status.CREATED, Status.RUNNING},
    "pause": {Status.RUNNING, Status.CREATED},
    "resume": {Status.PAUSED},
    "update": {Status.CREATED, Status.RUNNING, Status.PAUSED},
    "delete": {Status.CREATED, Status.STOPPED},
    "delete --force": {Status.CREATED, Status.RUNNING, Status.PAUSED, Status.STOPPED},
}


def _valid_id(container_id: str) -> bool:
    """runc's ^[\\w+-\\.]+$ (Go's \\w: ASCII letters, digits, _; and + - .), without re on every runtime command."""
    return bool(container_id) and all((c.isascii() and c.isalnum()) or c in "_+.-" for c in container_id)


def check_id(container_id: str) -> None:
    """runc's rule for ids: letters, digits, _ + - . only, so an id is always one safe path component."""
    if not _valid_id(container_id) or container_id in (".", ".."):
        raise InvalidArgument(f"invalid container id format: {container_id!r}")


class State:
    """What `create` records for later commands: the init's identity, the bundle, cgroups and hooks."""

    def __init__(self, directory: str, data: dict) -> None:
        self.directory = directory
        self.data = data

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def pid(self) -> int:
        return self.data["pid"]

    @classmethod
    def load(cls, root: str, container_id: str) -> "State":
        check_id(container_id)
        directory = os.path.join(root, container_id)
        try:
            with open(os.path.join(directory, STATE_FILE)) as f:
                return cls(directory, jsonfast.loads(f.read()))
        except FileNotFoundError:
            raise NotFound(f"container does not exist: {container_id}") from None
        except ValueError:
            raise InvalidArgument(f"container {container_id}: state.json is corrupt") from None

    def save(self) -> None:
        """Atomically: a reader sees the old state or the new one, never half of it."""
        # 0600: it holds the process's environment, which may carry secrets (the directory is 0711).
        # No fsync: the state directory lives under /run, which a reboot wipes.
        write_atomic(os.path.join(self.directory, STATE_FILE), jsonfast.dumps(self.data).encode(), mode=0o600,
                     durable=False)

    def alive(self) -> bool:
        """The recorded init process still exists and is not a zombie awaiting its parent's wait()."""
        fields = process.stat_fields(self.pid) if self.pid else None
        return bool(fields) and fields[0] not in ("Z", "X") and int(fields[19]) == self.data["starttime"]

    def status(self) -> Status:
        if not self.alive():
            return Status.STOPPED
        if os.path.exists(os.path.join(self.directory, EXEC_FIFO)):
            return Status.CREATED
        from .freezer import is_frozen

        if is_frozen(self.data.get("cgroup_paths") or {}):
            return Status.PAUSED
        return Status.RUNNING

    def require(self, action: str) -> Status:
        """Refuse `action` unless the status allows it, with runc's wording."""
        status = self.status()
        if status not in ALLOWED[action]:
            verb = action.split()[0]
            if verb == "delete":
                raise Conflict(f"cannot delete container {self.id} that is not stopped: {status.value}")
            if verb == "start" and status is Status.RUNNING:
                raise Conflict(f"cannot start an already running container {self.id}")
            raise Conflict(f"cannot {verb} container {self.id}: container is {status.value}")
        return status

    def oci(self) -> dict:
        """The runtime spec's state document (runc's `state` output has these same keys)."""
        status = self.status()
        doc = {
            "ociVersion": OCI_VERSION,
            "id": self.id,
            "pid": self.pid if status is not Status.STOPPED else 0,
            "status": status.value,
            "bundle": self.data["bundle"],
            "rootfs": self.data["rootfs"],
            "created": self.data["created"],
            "owner": "",
        }
        if self.data.get("annotations"):
            doc["annotations"] = self.data["annotations"]
        return doc


def list_ids(root: str) -> list[str]:
    """The ids of every container recorded under root, sorted."""
    try:
        names = os.listdir(root)
    except FileNotFoundError:
        return []
    return sorted(n for n in names if os.path.exists(os.path.join(root, n, STATE_FILE)))
