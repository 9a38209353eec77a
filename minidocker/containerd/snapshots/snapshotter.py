"""The snapshotter interface: key, name, parent, and the three kinds (cf. containerd core/snapshots/snapshotter.go).

Lifecycle (the vocabulary is containerd's, and so are the rules):
  - `prepare(key, parent="")` makes an ACTIVE snapshot, writable, stacked on the COMMITTED snapshot
    `parent` ("" = empty). It returns the mounts that build its filesystem; nothing is mounted yet:
    the caller (the diff applier, the shim, the builder) mounts them with linux.mountall.mount_all.
  - `view(key, parent)` is the same but READ-ONLY (kind VIEW); a view can never be committed.
  - `mounts(key)` returns those mounts again for an active snapshot or a view.
  - `commit(name, key)` turns the active snapshot `key` into the COMMITTED snapshot `name`: immutable,
    usable as a parent. The key no longer exists afterwards. A layer is unpacked by
    prepare("extract-<random> <chainid>", parent_chain) -> apply the layer tar -> commit(chainid, key),
    so each distinct layer lands on disk exactly once and is shared by every image and container above it.
  - `remove(key)` deletes an active, view or committed snapshot; refused (errors.Conflict) while
    another snapshot has it as parent. Remove children first.
  - `stat`, `walk`/`list` and `usage` (bytes and inodes of the snapshot's own layer) inspect.
Errors: errors.NotFound for an unknown key or parent, errors.Conflict for a key that already exists,
errors.InvalidArgument for committing a view or using a non-committed snapshot as parent.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Iterator, Protocol, runtime_checkable

from ...oci.mount import Mount


class Kind(str, enum.Enum):
    """A snapshot's kind; the only transition is ACTIVE -> COMMITTED (by commit)."""

    VIEW = "view"
    ACTIVE = "active"
    COMMITTED = "committed"


# The explicit state machine: which kind a commit may start from and where it leads.
TRANSITIONS: dict[tuple[Kind, str], Kind] = {(Kind.ACTIVE, "commit"): Kind.COMMITTED}


@dataclass
class Info:
    """One snapshot's metadata (cf. snapshots.Info)."""

    name: str          # the key for active/view snapshots, the name for committed ones
    kind: Kind
    parent: str = ""   # a committed snapshot's name, "" for none
    labels: dict[str, str] = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass
class Usage:
    """Disk used by a snapshot's own layer (not its parents): bytes and inodes, hard links counted once."""

    size: int = 0
    inodes: int = 0


@runtime_checkable
class Snapshotter(Protocol):
    def prepare(self, key: str, parent: str = "", labels: dict[str, str] | None = None) -> list[Mount]: ...

    def view(self, key: str, parent: str = "", labels: dict[str, str] | None = None) -> list[Mount]: ...

    def mounts(self, key: str) -> list[Mount]: ...

    def commit(self, name: str, key: str, labels: dict[str, str] | None = None) -> None: ...

    def remove(self, key: str) -> None: ...

    def stat(self, key: str) -> Info: ...

    def update(self, key: str, labels: dict[str, str]) -> Info:
        """Merge labels ("" removes one)."""

    def usage(self, key: str) -> Usage: ...

    def walk(self) -> Iterator[Info]: ...

    def list(self) -> list[Info]: ...
