"""The image metadata store: configs by id, parent links, and repositories.json (cf. moby image/store.go, reference/store.go).

On disk, under <state>/image, laid out as Docker's /var/lib/docker/image/<driver>/:
  imagedb/content/sha256/<hex>          the image config, byte for byte; its sha256 IS the image id
  imagedb/metadata/sha256/<hex>/parent  the build parent's id (intermediate images of a build)
  imagedb/metadata/sha256/<hex>/layers.json  the layer blobs (OCI descriptors, in the content store)
  imagedb/metadata/sha256/<hex>/lastUpdated  when a tag last moved onto it (inspect's Metadata.LastTagTime)
  repositories.json                     {"Repositories": {name: {name:tag or name@digest: id}}}
Every file is written to a temporary name and renamed, so a crash never leaves half a record.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import InvalidArgument, NotFound
from ...linux import atomicfile
from ...linux.removeall import remove_all_quietly
from . import reference as refs


def write_atomic(path: Path, data: bytes) -> None:
    """Make the directory, then write data atomically (0600 as moby's image/fs.go)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomicfile.write_atomic(path, data, mode=0o600)


@dataclass
class Image:
    """One image as dockerd knows it: the config (parsed and raw), its layer blobs, its parent."""

    id: str  # "sha256:<hex>" = digest of raw_config
    raw_config: bytes
    config: dict[str, Any]
    layers: list[dict[str, Any]]  # OCI descriptors {mediaType, digest, size}, one per rootfs.diff_ids entry
    parent: str = ""
    last_tag_time: str = ""
    size: int = field(default=0)  # bytes of unpacked layers (Docker's Size), cached by the service

    @property
    def diff_ids(self) -> list[str]:
        return list((self.config.get("rootfs") or {}).get("diff_ids") or [])

    @property
    def short_id(self) -> str:
        return self.id.split(":", 1)[1][:12]


class ImageStore:
    """Images keyed by id plus the reference table. Thread-safe; every mutation is persisted before it returns."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.RLock()
        self._images: dict[str, Image] = {}
        self._refs: dict[str, str] = {}  # full reference string -> image id
        self._load()

    # ---- paths ----
    def _content(self, image_id: str) -> Path:
        return self.root / "imagedb" / "content" / "sha256" / image_id.split(":", 1)[1]

    def _meta(self, image_id: str) -> Path:
        return self.root / "imagedb" / "metadata" / "sha256" / image_id.split(":", 1)[1]

    def _repositories(self) -> Path:
        return self.root / "repositories.json"

    # ---- loading ----
    def _load(self) -> None:
        content = self.root / "imagedb" / "content" / "sha256"
        if content.is_dir():
            for entry in content.iterdir():
                if entry.name.startswith("."):
                    continue
                raw = entry.read_bytes()
                image_id = "sha256:" + entry.name
                if "sha256:" + hashlib.sha256(raw).hexdigest() != image_id:
                    continue  # a damaged record is skipped rather than trusted
                meta = self._meta(image_id)
                layers = json.loads((meta / "layers.json").read_text()) if (meta / "layers.json").exists() else []
                parent = (meta / "parent").read_text().strip() if (meta / "parent").exists() else ""
                tagged = (meta / "lastUpdated").read_text().strip() if (meta / "lastUpdated").exists() else ""
                self._images[image_id] = Image(image_id, raw, json.loads(raw), layers, parent, tagged)
        path = self._repositories()
        if path.exists():
            for repo in json.loads(path.read_text()).get("Repositories", {}).values():
                for ref, image_id in repo.items():
                    if image_id in self._images:
                        self._refs[ref] = image_id

    def _save_refs(self) -> None:
        repos: dict[str, dict[str, str]] = {}
        for ref, image_id in sorted(self._refs.items()):
            repos.setdefault(refs.parse(ref).name, {})[ref] = image_id
        write_atomic(self._repositories(), json.dumps({"Repositories": repos}).encode())

    # ---- images ----
    def add(self, raw_config: bytes, layers: list[dict[str, Any]], parent: str = "") -> Image:
        """Record an image (idempotent: the same config bytes give the same id). Layers must already be stored."""
        try:
            config = json.loads(raw_config)
        except ValueError as err:
            raise InvalidArgument(f"invalid image config: {err}") from None
        diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
        if len(diff_ids) != len(layers):
            raise InvalidArgument(f"image config names {len(diff_ids)} layers but {len(layers)} were given")
        image_id = "sha256:" + hashlib.sha256(raw_config).hexdigest()
        with self._lock:
            existing = self._images.get(image_id)
            if existing is not None:
                if parent and not existing.parent:
                    existing.parent = parent
                    write_atomic(self._meta(image_id) / "parent", parent.encode())
                return existing
            meta = self._meta(image_id)
            write_atomic(meta / "layers.json", json.dumps(layers).encode())
            if parent:
                write_atomic(meta / "parent", parent.encode())
            # The content file goes last: it is what makes the image exist on the next load.
            write_atomic(self._content(image_id), raw_config)
            image = Image(image_id, raw_config, config, layers, parent)
            self._images[image_id] = image
            return image

    def get(self, image_id: str) -> Image:
        with self._lock:
            image = self._images.get(image_id)
        if image is None:
            raise NotFound(f"No such image: {image_id}")
        return image

    def has(self, image_id: str) -> bool:
        with self._lock:
            return image_id in self._images

    def all(self) -> list[Image]:
        with self._lock:
            return list(self._images.values())

    def search(self, prefix: str) -> Image | None:
        """An image by a unique id prefix ("7152", "sha256:7152..."); None when there is none; ambiguous is an error."""
        hexpart = prefix.split(":", 1)[1] if prefix.startswith("sha256:") else prefix
        with self._lock:
            found = [img for img in self._images.values() if img.id[7:].startswith(hexpart)]
        if len(found) > 1:
            raise InvalidArgument(f"ambiguous image id prefix {prefix!r}: {len(found)} images match")
        return found[0] if found else None

    def children(self, image_id: str) -> list[Image]:
        with self._lock:
            return [img for img in self._images.values() if img.parent == image_id]

    def delete(self, image_id: str) -> None:
        """Forget an image and every reference to it; children lose their parent link (as in Docker)."""
        with self._lock:
            if image_id not in self._images:
                raise NotFound(f"No such image: {image_id}")
            self._content(image_id).unlink(missing_ok=True)
            remove_all_quietly(self._meta(image_id))
            del self._images[image_id]
            dropped = [ref for ref, target in self._refs.items() if target == image_id]
            for ref in dropped:
                del self._refs[ref]
            if dropped:
                self._save_refs()

    # ---- references ----
    def set_reference(self, ref: refs.Reference, image_id: str, when: str = "") -> str | None:
        """Point ref at image_id; returns the id it pointed at before (which may now be dangling)."""
        key = str(ref)
        with self._lock:
            self.get(image_id)
            previous = self._refs.get(key)
            self._refs[key] = image_id
            self._save_refs()
            if when and ref.tag:
                self._images[image_id].last_tag_time = when
                write_atomic(self._meta(image_id) / "lastUpdated", when.encode())
        return previous if previous != image_id else None

    def remove_reference(self, ref: refs.Reference) -> str:
        key = str(ref)
        with self._lock:
            image_id = self._refs.pop(key, None)
            if image_id is None:
                raise NotFound(f"No such image: {ref.familiar()}")
            self._save_refs()
        return image_id

    def lookup(self, ref: refs.Reference) -> str | None:
        with self._lock:
            return self._refs.get(str(ref))

    def references(self, image_id: str) -> list[refs.Reference]:
        with self._lock:
            keys = sorted(ref for ref, target in self._refs.items() if target == image_id)
        return [refs.parse(key) for key in keys]

    def all_references(self) -> dict[str, str]:
        with self._lock:
            return dict(self._refs)
