"""Container metadata: what a container is, persisted until it is deleted (cf. containerd core/metadata/containers.go).

One JSON file per container under <state>/containerd/containers/, written to a temporary name and
renamed, so a crash never leaves half a record. The OCI spec travels as bytes and is stored
base64-encoded (it is JSON, but containerd treats it as opaque).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Conflict, InvalidArgument, NotFound
from ..linux.atomicfile import write_atomic

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")  # containerd's identifiers.Validate


def validate_id(container_id: str) -> None:
    if not ID_RE.match(container_id or ""):
        raise InvalidArgument(f"invalid container id {container_id!r}: letters, digits, '_', '.', '-' only")


@dataclass
class Container:
    """One container's record: the spec to run, the snapshot holding its rootfs, its runtime and labels."""

    id: str
    spec: bytes = b""
    snapshot_key: str = ""
    runtime: str = ""
    image: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    created_at: int = 0  # ns since the epoch

    def to_json(self) -> dict:
        return {"id": self.id, "spec": base64.b64encode(self.spec).decode(), "snapshot_key": self.snapshot_key,
                "runtime": self.runtime, "image": self.image, "labels": self.labels, "created_at": self.created_at}

    @classmethod
    def from_json(cls, data: dict) -> "Container":
        return cls(id=data["id"], spec=base64.b64decode(data.get("spec", "")), snapshot_key=data.get("snapshot_key", ""),
                   runtime=data.get("runtime", ""), image=data.get("image", ""),
                   labels=dict(data.get("labels") or {}), created_at=int(data.get("created_at", 0)))


class ContainerStore:
    """Create/get/list/delete container records in one directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def _path(self, container_id: str) -> Path:
        return self.root / f"{container_id}.json"

    def create(self, container: Container) -> Container:
        validate_id(container.id)
        if container.spec:
            try:
                json.loads(container.spec)
            except ValueError as err:
                raise InvalidArgument(f"container {container.id}: spec is not valid JSON: {err}") from None
        with self._lock:
            path = self._path(container.id)
            if path.exists():
                raise Conflict(f"container {container.id}: already exists")
            if not container.created_at:
                container.created_at = time.time_ns()
            write_atomic(path, json.dumps(container.to_json()).encode(), mode=0o600)  # the spec holds the env
        return container

    def get(self, container_id: str) -> Container:
        try:
            with open(self._path(container_id)) as f:
                return Container.from_json(json.load(f))
        except (FileNotFoundError, ValueError, KeyError):
            raise NotFound(f"container {container_id}: not found") from None

    def list(self) -> list[Container]:
        found = []
        for path in sorted(self.root.glob("*.json")):
            try:
                found.append(self.get(path.stem))
            except NotFound:
                continue
        return sorted(found, key=lambda c: c.created_at)

    def delete(self, container_id: str) -> None:
        with self._lock:
            try:
                self._path(container_id).unlink()
            except FileNotFoundError:
                raise NotFound(f"container {container_id}: not found") from None
