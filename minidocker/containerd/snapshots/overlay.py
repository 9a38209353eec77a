"""The overlay snapshotter: each snapshot a numbered directory with fs/ and work/ (cf. containerd plugins/snapshots/overlay/overlay.go).

<root>/metadata.json            keys, names, parents, kinds (metadata.py)
<root>/snapshots/<id>/fs        the snapshot's own layer: overlay upperdir while active, a lowerdir once committed
<root>/snapshots/<id>/work      overlay's workdir (must be on the same filesystem as fs)
A snapshot with no parent is a bind mount of its fs/ (rw, rbind); with parents, an overlay whose
lowerdir lists the parent chain top first. A committed layer is never copied: every snapshot above
it names the same directory, so a shared base is on disk once (chapter 02 measures this).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Iterator

from ...errors import Conflict, InvalidArgument, NotFound
from ...linux.removeall import remove_all_quietly
from ...oci.mount import Mount
from .metadata import MetaStore
from .snapshotter import TRANSITIONS, Info, Kind, Usage


def _overlay_defaults() -> list[str]:
    """Options every writable overlay gets, depending on the kernel's overlay module defaults."""
    params = Path("/sys/module/overlay/parameters")
    opts = []
    # index=off keeps an upper layer usable with other lower stacks; only pass it if the kernel knows it
    if (params / "index").exists():
        opts.append("index=off")
    # The differ reads the upperdir as a layer: a metacopy-only file (no data) or a redirected directory
    # would be written wrongly, so turn both off where the kernel turns them on by default (Docker's
    # overlay2 falls back to a slow naive diff in that case instead).
    for name in ("metacopy", "redirect_dir"):
        try:
            if (params / name).read_text().strip() in ("Y", "on", "follow"):
                opts.append(f"{name}=off")
        except OSError:
            pass
    return opts


def disk_usage(path: Path) -> Usage:
    """Blocks (x512) and inodes under path, hard links counted once (cf. containerd continuity fs.DiskUsage)."""
    seen: set[tuple[int, int]] = set()
    usage = Usage()
    stack = [os.fspath(path)]
    while stack:
        top = stack.pop()
        st = os.lstat(top)
        if (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            usage.inodes += 1
            usage.size += st.st_blocks * 512
        if os.path.isdir(top) and not os.path.islink(top):
            stack.extend(os.path.join(top, n) for n in os.listdir(top))
    return usage


class OverlaySnapshotter:
    """A Snapshotter (see snapshotter.py) on overlayfs."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        (self.root / "snapshots").mkdir(parents=True, exist_ok=True)
        self._meta = MetaStore(self.root)
        self._defaults = _overlay_defaults()

    # ---- paths ----
    def _dir(self, sid: str) -> Path:
        return self.root / "snapshots" / sid

    def _record(self, doc: dict[str, Any], key: str) -> dict[str, Any]:
        rec = doc["snapshots"].get(key)
        if rec is None:
            raise NotFound(f"snapshot {key}: not found")
        return rec

    def _chain(self, doc: dict[str, Any], parent: str) -> list[str]:
        """fs dirs of parent and its ancestors, top first (overlay's lowerdir order)."""
        dirs = []
        while parent:
            rec = self._record(doc, parent)
            dirs.append(str(self._dir(rec["id"]) / "fs"))
            parent = rec["parent"]
        return dirs

    def upperdir(self, key: str) -> Path:
        """The snapshot's own fs/ directory (upperdir while active)."""
        with self._meta.transaction(write=False) as doc:
            return self._dir(self._record(doc, key)["id"]) / "fs"

    def lowerdirs(self, key: str) -> list[Path]:
        """fs/ of the parent chain, top first."""
        with self._meta.transaction(write=False) as doc:
            return [Path(p) for p in self._chain(doc, self._record(doc, key)["parent"])]

    # ---- create ----
    def prepare(self, key: str, parent: str = "", labels: dict[str, str] | None = None) -> list[Mount]:
        return self._create(Kind.ACTIVE, key, parent, labels)

    def view(self, key: str, parent: str = "", labels: dict[str, str] | None = None) -> list[Mount]:
        return self._create(Kind.VIEW, key, parent, labels)

    def _create(self, kind: Kind, key: str, parent: str, labels: dict[str, str] | None) -> list[Mount]:
        if not key:
            raise InvalidArgument("snapshot key must not be empty")
        with self._meta.transaction() as doc:
            if key in doc["snapshots"]:
                raise Conflict(f"snapshot {key}: already exists")
            if parent:
                prec = self._record(doc, parent)
                if prec["kind"] != Kind.COMMITTED.value:
                    raise InvalidArgument(f"snapshot {parent}: parent is {prec['kind']}, not committed")
            sid = str(doc["next_id"])
            doc["next_id"] += 1
            # Made under a temporary name and renamed: a crash leaves no half-made numbered dir.
            tmp = self.root / "snapshots" / f"new-{sid}"
            remove_all_quietly(tmp)
            (tmp / "fs").mkdir(parents=True)
            os.chmod(tmp / "fs", 0o755)
            if kind is Kind.ACTIVE:
                (tmp / "work").mkdir()
                os.chmod(tmp / "work", 0o700)
            if parent:
                # the root directory's owner comes from the parent, as containerd does for user-namespaced roots
                st = os.stat(self._dir(prec["id"]) / "fs")
                os.chown(tmp / "fs", st.st_uid, st.st_gid)
            os.rename(tmp, self._dir(sid))
            now = time.time()
            doc["snapshots"][key] = {"id": sid, "kind": kind.value, "parent": parent, "labels": dict(labels or {}),
                                     "created": now, "updated": now}
            return self._mounts(doc, key)

    # ---- mounts ----
    def mounts(self, key: str) -> list[Mount]:
        with self._meta.transaction(write=False) as doc:
            return self._mounts(doc, key)

    def _mounts(self, doc: dict[str, Any], key: str) -> list[Mount]:
        rec = self._record(doc, key)
        kind = Kind(rec["kind"])
        if kind is Kind.COMMITTED:
            raise InvalidArgument(f"snapshot {key}: committed snapshots have no mounts; view or prepare on it")
        lowers = self._chain(doc, rec["parent"])
        own = self._dir(rec["id"])
        if not lowers:
            mode = "rw" if kind is Kind.ACTIVE else "ro"
            return [Mount("bind", str(own / "fs"), [mode, "rbind"])]
        if kind is Kind.VIEW:
            if len(lowers) == 1:  # one read-only layer: a bind mount is cheaper than an overlay
                return [Mount("bind", lowers[0], ["ro", "rbind"])]
            # overlay needs two lowerdirs at least when there is no upperdir
            return [Mount("overlay", "overlay", ["ro", "lowerdir=" + ":".join(lowers)])]
        opts = list(self._defaults)
        opts += [f"workdir={own / 'work'}", f"upperdir={own / 'fs'}", "lowerdir=" + ":".join(lowers)]
        return [Mount("overlay", "overlay", opts)]

    # ---- commit, remove ----
    def commit(self, name: str, key: str, labels: dict[str, str] | None = None) -> None:
        if not name:
            raise InvalidArgument("snapshot name must not be empty")
        with self._meta.transaction() as doc:
            rec = self._record(doc, key)
            to = TRANSITIONS.get((Kind(rec["kind"]), "commit"))
            if to is None:
                raise InvalidArgument(f"snapshot {key}: cannot commit a {rec['kind']} snapshot")
            if name in doc["snapshots"]:
                raise Conflict(f"snapshot {name}: already exists")
            own = self._dir(rec["id"])
            usage = disk_usage(own / "fs")
            remove_all_quietly(own / "work")  # a committed layer is never an upperdir again
            now = time.time()
            del doc["snapshots"][key]
            rec.update(kind=to.value, updated=now, size=usage.size, inodes=usage.inodes)
            rec["labels"].update(labels or {})
            doc["snapshots"][name] = rec

    def remove(self, key: str) -> None:
        with self._meta.transaction() as doc:
            rec = self._record(doc, key)
            children = [k for k, r in doc["snapshots"].items() if r["parent"] == key]
            if children:
                raise Conflict(f"snapshot {key}: cannot remove, it is the parent of {sorted(children)[0]}")
            del doc["snapshots"][key]
            # Renamed first so that a crash never leaves a numbered dir half-deleted; cleanup() finishes the job.
            doomed = self.root / "snapshots" / f"rm-{rec['id']}"
            try:
                os.rename(self._dir(rec["id"]), doomed)
            except FileNotFoundError:
                return
        remove_all_quietly(doomed)

    def cleanup(self) -> int:
        """Delete directories that no record names (left by a crash); returns how many."""
        removed = 0
        with self._meta.transaction(write=False) as doc:
            ids = {r["id"] for r in doc["snapshots"].values()}
            for entry in os.scandir(self.root / "snapshots"):
                if entry.name not in ids:
                    remove_all_quietly(entry.path)
                    removed += 1
        return removed

    # ---- inspect ----
    @staticmethod
    def _info(key: str, rec: dict[str, Any]) -> Info:
        return Info(name=key, kind=Kind(rec["kind"]), parent=rec["parent"], labels=dict(rec["labels"]),
                    created_at=rec["created"], updated_at=rec["updated"])

    def stat(self, key: str) -> Info:
        with self._meta.transaction(write=False) as doc:
            return self._info(key, self._record(doc, key))

    def update(self, key: str, labels: dict[str, str]) -> Info:
        with self._meta.transaction() as doc:
            rec = self._record(doc, key)
            for k, v in labels.items():
                rec["labels"][k] = v
                if not v:
                    del rec["labels"][k]
            rec["updated"] = time.time()
            return self._info(key, rec)

    def usage(self, key: str) -> Usage:
        with self._meta.transaction(write=False) as doc:
            rec = self._record(doc, key)
            if rec["kind"] == Kind.COMMITTED.value and "size" in rec:
                return Usage(size=rec["size"], inodes=rec["inodes"])
            path = self._dir(rec["id"]) / "fs"
        return disk_usage(path)

    def walk(self) -> Iterator[Info]:
        with self._meta.transaction(write=False) as doc:
            infos = [self._info(k, r) for k, r in sorted(doc["snapshots"].items())]
        yield from infos

    def list(self) -> list[Info]:
        return list(self.walk())
