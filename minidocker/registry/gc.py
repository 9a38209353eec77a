"""`minidocker registry gc --root DIR [--dry-run]`: remove the blobs no manifest refers to (cf. distribution registry/storage/garbagecollect.go, MarkAndSweep).

Mark: every manifest revision of every repository (tagged or not, referrers included, as distribution
does without --delete-untagged), the config and layers of an image manifest, the manifests of an index.
Sweep: every blob not marked is deleted, and the repositories' links to it with it.
A push between mark and sweep could lose a blob just uploaded and not yet named by its manifest, so a
collection takes the storage root's lock exclusively: it refuses to run while a registry serves the root
(servers hold the lock shared), and a registry refuses to start while a collection runs. --dry-run only
lists, under a shared lock, so it may run beside a server.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import digests
from .manifests import IMAGE_TYPES, INDEX_TYPES
from .storage import Storage, lock_root


class RegistryInUse(RuntimeError):
    """The storage root is locked the other way (served, or collected)."""


@dataclass
class Collection:
    marked: set[str] = field(default_factory=set)
    swept: list[tuple[str, int]] = field(default_factory=list)  # (digest, size)


def mark(store: Storage) -> set[str]:
    """Every digest a stored manifest is, or refers to."""
    marked: set[str] = set()
    for name in store.repositories():
        for digest in store.revisions(name):
            marked.add(digest)
            try:
                media_type = store.revision(name, digest)["mediaType"]
                doc = json.loads(store.blob_path(digest).read_bytes())
            except (OSError, ValueError, KeyError):
                continue
            if media_type in IMAGE_TYPES:
                refs = [doc.get("config") or {}, *(doc.get("layers") or [])]
            elif media_type in INDEX_TYPES:
                refs = list(doc.get("manifests") or [])
            else:
                refs = []
            marked.update(d["digest"] for d in refs if isinstance(d, dict) and isinstance(d.get("digest"), str))
    return marked


def blobs(store: Storage) -> list[tuple[str, Path]]:
    found = []
    for algorithm in sorted(digests.ENCODED_LENGTH):
        folder = store.root / "blobs" / algorithm
        if folder.is_dir():
            found += [(f"{algorithm}:{p.name}", p) for p in sorted(folder.iterdir()) if not p.name.startswith(".")]
    return found


def collect(root: Path, dry_run: bool = False) -> Collection:
    """Mark and sweep the storage at root (nothing deleted with dry_run)."""
    if not (Path(root) / "blobs").is_dir():
        raise FileNotFoundError(f"no registry storage at {root}")
    fd = lock_root(root, exclusive=not dry_run)
    if fd is None:
        raise RegistryInUse(f"the registry storage at {root} is in use by a running registry (or another collection): "
                            "stop it first, or use --dry-run to only list")
    try:
        store = Storage(root)
        result = Collection(marked=mark(store))
        doomed = [(digest, path) for digest, path in blobs(store) if digest not in result.marked]
        for digest, path in doomed:
            result.swept.append((digest, path.stat().st_size))
            if not dry_run:
                _unlink_everywhere(store, digest)
                path.unlink()
        return result
    finally:
        os.close(fd)


def _unlink_everywhere(store: Storage, digest: str) -> None:
    relative = Path("_layers") / digest.replace(":", "/", 1)
    for name in store.repositories() + _repositories_without_manifests(store):
        (store.repo(name) / relative).unlink(missing_ok=True)


def _repositories_without_manifests(store: Storage) -> list[str]:
    base = store.root / "repositories"
    return [str(p.parent.relative_to(base)) for p in base.rglob("_layers") if not (p.parent / "_manifests").exists()]


def report(result: Collection, dry_run: bool) -> list[str]:
    """distribution's wording: what is marked, what is (or would be) deleted."""
    verb = "blob eligible for deletion" if dry_run else "blob deleted"
    lines = [f"{verb}: {digest}" for digest, _ in result.swept]
    size = sum(s for _, s in result.swept)
    lines.append(f"{len(result.marked)} blobs marked, {len(result.swept)} blobs "
                 f"{'eligible for deletion' if dry_run else 'deleted'} ({size} bytes)")
    return lines
