"""The image service dockerd holds as `daemon.images`: lookups, list, inspect, history, tag, sizes (cf. moby daemon/images/).

Lifecycle of an image here: its layer blobs land in containerd's content store (load, import, build,
pull), `register()` records the config (whose digest is the image id) and its references; a container
gets a root filesystem from `prepare_rootfs()` (layers unpacked once into committed overlay snapshots
named by chain id, then one writable snapshot per container); `remove()` / `prune()` untag and delete
with Docker's rules (delete.py) and release layers no image needs any more.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import IO, Any, Callable, Iterable

from ...errors import InvalidArgument, NotFound
from . import filters as flt
from . import reference as refs
from . import views
from .blobs import Blobs
from .store import Image, ImageStore, write_atomic

# using_image(image_id) -> [(container_id, running)], supplied by the containers side.
UsingImage = Callable[[str], Iterable[Any]]


def _no_containers(image_id: str) -> list[tuple[str, bool]]:
    return []


def chain_ids(diff_ids: list[str]) -> list[str]:
    """OCI ChainID: chain[0] = diff[0]; chain[n] = sha256(chain[n-1] + " " + diff[n]) (image-spec config.md)."""
    import hashlib

    out: list[str] = []
    for diff_id in diff_ids:
        out.append(diff_id if not out else "sha256:" + hashlib.sha256(f"{out[-1]} {diff_id}".encode()).hexdigest())
    return out


class ImageService:
    """Everything dockerd does with images. Construct with ImageService(root, content, snapshots, diff)."""

    def __init__(self, root: Path, content: Any, snapshots: Any, diff: Any,
                 using_image: UsingImage | None = None) -> None:
        self.root = Path(root)
        self.store = ImageStore(self.root)
        self.blobs = Blobs(content)
        self.content = content
        self.snapshots = snapshots
        self.diff = diff
        self.using_image: UsingImage = using_image or _no_containers
        self.lock = threading.RLock()  # one image mutation at a time (tag/rmi/prune/unpack)
        self._sizes_path = self.root / "layersizes.json"
        self._sizes: dict[str, int] = json.loads(self._sizes_path.read_text()) if self._sizes_path.exists() else {}

    # ---- containers using an image (normalised from whatever the containers side returns) ----
    def containers_using(self, image_id: str) -> list[tuple[str, bool]]:
        out = []
        for item in self.using_image(image_id) or []:
            if isinstance(item, str):
                out.append((item, False))
            elif isinstance(item, tuple):
                out.append((str(item[0]), bool(item[1])))
            elif isinstance(item, dict):
                out.append((item.get("id") or item.get("Id", ""), bool(item.get("running") or item.get("Running"))))
            else:
                out.append((getattr(item, "id"), bool(getattr(item, "running", False))))
        return out

    # ---- lookups (cf. daemon/images/image.go GetImage) ----
    def get(self, name: str) -> Image:
        """An image by reference, full id, sha256:id or unique id prefix; 404 'No such image: busybox:latest'."""
        full = refs.ID_RE.match(name)
        if full:
            image_id = "sha256:" + full.group(1)
            try:
                return self.store.get(image_id)
            except NotFound:
                raise NotFound(f"No such image: {image_id}") from None
        ref = refs.parse(name) if not name.startswith("sha256:") else None
        if ref is not None:
            found = self.store.lookup(ref.tagged_or_latest())
            if found:
                return self.store.get(found)
        if refs.SHORT_ID_RE.match(name):
            image = self.store.search(name)
            if image is not None:
                return image
        shown = ref.tagged_or_latest().familiar() if ref is not None else name
        raise NotFound(f"No such image: {shown}")

    def references(self, image_id: str) -> list[refs.Reference]:
        return self.store.references(image_id)

    def tags(self, image_id: str) -> list[str]:
        return [r.familiar() for r in self.references(image_id) if r.tag]

    # ---- sizes (cf. layer store DiffSize) ----
    def layer_sizes(self, image: Image) -> list[int]:
        sizes = []
        for desc, diff_id in zip(image.layers, image.diff_ids):
            if diff_id not in self._sizes:
                try:
                    self._sizes[diff_id] = self.blobs.unpacked_size(desc)
                except (NotFound, OSError, KeyError):
                    continue  # a layer whose blob is gone counts as nothing rather than failing a listing
                write_atomic(self._sizes_path, json.dumps(self._sizes).encode())
            sizes.append(self._sizes[diff_id])
        return sizes

    def note_layer_size(self, diff_id: str, size: int) -> None:
        """Remember a layer's unpacked size when the caller already knows it (import, build)."""
        if self._sizes.get(diff_id) != size:
            self._sizes[diff_id] = size
            write_atomic(self._sizes_path, json.dumps(self._sizes).encode())

    def size(self, image: Image) -> int:
        return sum(self.layer_sizes(image))

    # ---- registration (load, import, build, pull all end here) ----
    def register(self, raw_config: bytes, layers: list[dict[str, Any]], parent: str = "",
                 tags: Iterable[refs.Reference | str] = ()) -> Image:
        """Record an image whose layer blobs are already in the content store; tag it. Returns the Image."""
        for desc in layers:
            if not self.blobs.has(desc["digest"]):
                raise NotFound(f"layer blob {desc['digest']} is not in the content store")
        clean = [{"mediaType": d["mediaType"], "digest": d["digest"], "size": int(d["size"]),
                  **({"annotations": d["annotations"]} if d.get("annotations") else {})} for d in layers]
        with self.lock:
            image = self.store.add(raw_config, clean, parent)
            for tag in tags:
                self.set_tag(tag if isinstance(tag, refs.Reference) else refs.parse(tag).tagged_or_latest(), image.id)
        return image

    def set_tag(self, ref: refs.Reference, image_id: str) -> None:
        """Point a tag (or name@digest) at an image; the image it left may become dangling, as in Docker."""
        self.store.set_reference(ref, image_id, views.now_rfc3339())

    # ---- commands ----
    def tag(self, source: str, repo: str, tag: str | None = None) -> refs.Reference:
        """POST /images/{name}/tag?repo=&tag= (docker tag SOURCE TARGET)."""
        image = self.get(source)
        target = refs.parse_repo_tag(repo, tag)
        if target.familiar_name == "scratch":
            raise InvalidArgument("'scratch' is a reserved name")
        with self.lock:
            self.set_tag(target, image.id)
        return target

    def inspect(self, name: str) -> dict[str, Any]:
        image = self.get(name)
        return views.inspect(image, self.references(image.id), self.size(image), self._graph_driver(image))

    def history(self, name: str) -> list[dict[str, Any]]:
        image = self.get(name)
        lineage: list[tuple[str, list[str]]] = []
        current: Image | None = image
        while current is not None:
            lineage.append((current.id, self.tags(current.id)))
            try:
                current = self.store.get(current.parent) if current.parent else None
            except NotFound:
                current = None
        return views.history(image, self.layer_sizes(image), lineage)

    def list(self, all: bool = False, filters: dict[str, list[str]] | None = None,
             shared_size: bool = False, containers: bool = False) -> list[dict[str, Any]]:
        """GET /images/json (cf. daemon/images/images.go Images): newest first."""
        filters = filters or {}
        flt.validate(filters, flt.LIST_KEYS)
        dangling = flt.dangling_only(filters)
        before = flt.created_bound(filters.get("before", []), self.get, "before")
        since = flt.created_bound(filters.get("since", []), self.get, "since")
        labels = flt.label_matcher(filters.get("label", []))
        patterns = filters.get("reference", [])
        images = self.store.all()
        parents = {img.parent for img in images if img.parent}
        if dangling:  # only heads: images nothing else is built on
            images = [img for img in images if img.id not in parents]
        out = []
        for image in images:
            created = views.unix_time(image.config.get("created"))
            if before is not None and created >= before:
                continue
            if since is not None and created <= since:
                continue
            if not labels((image.config.get("config") or {}).get("Labels")):
                continue
            references = self.references(image.id)
            if patterns:
                references = [r for r in references if flt.reference_matches(patterns, r)]
            entry = views.summary(image, references, self.size(image))
            if not references:
                if not all and image.id in parents:
                    continue  # an intermediate build image: shown only with -a
                if dangling is False or patterns:
                    continue
                entry["RepoTags"], entry["RepoDigests"] = ["<none>:<none>"], ["<none>@<none>"]
            elif dangling and entry["RepoTags"]:
                continue
            out.append(entry)
        if shared_size or containers:
            self._fill_usage(out)
        out.sort(key=lambda e: (e["Created"], e["Id"]), reverse=True)
        return out

    def _fill_usage(self, entries: list[dict[str, Any]]) -> None:
        """SharedSize (bytes of layers another image also uses) and Containers, as system df reports them."""
        by_layer: dict[str, int] = {}
        for image in self.store.all():
            for chain in set(chain_ids(image.diff_ids)):
                by_layer[chain] = by_layer.get(chain, 0) + 1
        for entry in entries:
            image = self.store.get(entry["Id"])
            sizes = self.layer_sizes(image)
            chains = chain_ids(image.diff_ids)
            entry["SharedSize"] = sum(s for s, c in zip(sizes, chains) if by_layer.get(c, 0) > 1)
            entry["Containers"] = len(self.containers_using(image.id))

    def df(self) -> dict[str, Any]:
        """The image half of GET /system/df: {"LayersSize": n, "Images": [summaries with usage]}."""
        entries = self.list(all=True, shared_size=True, containers=True)
        unique: dict[str, int] = {}
        for image in self.store.all():
            for chain, size in zip(chain_ids(image.diff_ids), self.layer_sizes(image)):
                unique[chain] = size
        return {"LayersSize": sum(unique.values()), "Images": entries}

    def _graph_driver(self, image: Image) -> dict[str, Any]:
        """Where the image's layers live once unpacked: the snapshotter's own directories (top first)."""
        chains = chain_ids(image.diff_ids)
        data: dict[str, str] | None = None
        if chains and self.snapshots is not None:
            try:
                self.snapshots.stat(chains[-1])
                upper = getattr(self.snapshots, "upperdir", None)
                lowers = getattr(self.snapshots, "lowerdirs", None)
                data = {"Snapshot": chains[-1]}
                if upper is not None:
                    data["UpperDir"] = str(upper(chains[-1]))
                if lowers is not None and len(chains) > 1:
                    data["LowerDir"] = ":".join(str(p) for p in lowers(chains[-1]))
            except (NotFound, OSError):
                data = None
        return {"Data": data, "Name": "overlayfs"}

    # ---- delete / prune / rootfs: see delete.py and rootfs.py ----
    def remove(self, name: str, force: bool = False, prune: bool = True) -> list[dict[str, str]]:
        from .delete import remove

        with self.lock:
            return remove(self, name, force, prune)

    def prune(self, filters: dict[str, list[str]] | None = None) -> dict[str, Any]:
        from .delete import prune

        with self.lock:
            return prune(self, filters or {})

    def prepare_rootfs(self, container_id: str, image: str | Image) -> list[Any]:
        """A writable root filesystem for a container: mounts of a snapshot keyed by the container id."""
        from .rootfs import prepare

        return prepare(self, container_id, image if isinstance(image, Image) else self.get(image))

    def release_rootfs(self, container_id: str, image_id: str = "") -> None:
        """Remove the container's writable snapshot (on `docker rm`); unused layers of its image too if
        the image (`image_id`, when known) was deleted meanwhile."""
        from .rootfs import release

        release(self, container_id, image_id)

    # ---- archives: see save.py, load.py, importer.py ----
    def save(self, names: list[str]) -> Iterable[bytes]:
        """GET /images/get: a docker-archive (with an OCI layout inside) of the named images, as chunks."""
        from .save import save_stream

        return save_stream(self, names)

    def load(self, stream: IO[bytes]) -> list[str]:
        """POST /images/load: every blob verified first; returns the "Loaded image: ..." lines."""
        from .load import load

        return load(self, stream)

    def import_image(self, stream: IO[bytes], repo: str = "", tag: str = "", message: str = "",
                     changes: list[str] | None = None, src: str = "-") -> str:
        """POST /images/create?fromSrc=-: a root filesystem tar becomes a one-layer image; returns its id."""
        from .importer import import_image

        return import_image(self, stream, repo, tag, message, changes, src)

    def export(self, container_id: str) -> Iterable[bytes]:
        """GET /containers/{id}/export: the container's filesystem (its snapshot, read-only) as a tar."""
        from .importer import export_container

        return export_container(self, container_id)

    def unpack(self, image: Image) -> str:
        """Unpack the image's layers into committed snapshots (once); returns the top chain id ('' for none)."""
        from .rootfs import unpack

        return unpack(self, image)

