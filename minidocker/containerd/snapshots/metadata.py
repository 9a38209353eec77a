"""Snapshot metadata: one JSON file, rewritten atomically under a file lock (cf. containerd core/snapshots/storage/bolt.go).

Each record: {"id": "7", "kind": "committed", "parent": "<name>", "labels": {}, "created": t, "updated": t,
"size": bytes, "inodes": n}. The id names the directory snapshots/<id>; keys and names are free text
(containerd uses "extract-<n> sha256:<chainid>" and "sha256:<chainid>"), so they never become paths.
The lock is an flock, so containerd, the builder and tests in other processes can share one root.
"""

from __future__ import annotations

import fcntl
import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator
from ...linux.atomicfile import write_atomic


class MetaStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._file = root / "metadata.json"
        self._lock = root / "metadata.lock"

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[dict[str, Any]]:
        """Lock, load, yield the document for changes, then save it atomically (only if write)."""
        with open(self._lock, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX if write else fcntl.LOCK_SH)
            doc = self._load()
            yield doc
            if write:
                self._save(doc)

    def _load(self) -> dict[str, Any]:
        try:
            return json.loads(self._file.read_bytes())
        except FileNotFoundError:
            return {"version": 1, "next_id": 1, "snapshots": {}}

    def _save(self, doc: dict[str, Any]) -> None:
        # a crash or a full disk leaves the old or the new file, never a torn one
        write_atomic(self._file, json.dumps(doc, sort_keys=True, indent=1).encode(), mode=0o600)
