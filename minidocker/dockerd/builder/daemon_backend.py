"""The builder's backend inside dockerd: images from the image service, RUN as real containers (cf. moby daemon/build.go).

RUN steps go through the same path as `docker run`: a container record, containerd's task path,
a shim and the OCI runtime; the container's writable snapshot is then diffed against its image
into a new layer (containerd's diff service), and the container removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

from ...errors import NotFound
from ...oci import image as oci
from .backend import BuildImage, Layer

_CACHE_LOCK = threading.Lock()


class DaemonBuilderBackend:
    """BuilderBackend over a running daemon: `daemon.images` (ImageService) and `daemon` container calls."""

    def __init__(self, daemon: Any) -> None:
        self.daemon = daemon
        self.images = daemon.images
        self.cache_file = Path(self.images.root) / "buildcache.json"

    # -- images --
    def _as_build_image(self, image: Any) -> BuildImage:
        return BuildImage(image.id, json.loads(image.raw_config))

    def image(self, ref: str, pull: bool = False) -> BuildImage:
        try:
            if pull:
                raise NotFound(ref)
            return self._as_build_image(self.images.get(ref))
        except NotFound:
            puller = getattr(self.daemon, "pull_for_build", None)
            if puller is None:
                raise
            puller(ref)
            return self._as_build_image(self.images.get(ref))

    def commit(self, parent: BuildImage | None, config: dict, layer: Layer | None) -> BuildImage:
        layers = list(self.images.get(parent.id).layers) if parent else []
        if layer is not None:
            layers.append({"mediaType": layer.media_type, "digest": layer.digest, "size": layer.size})
        raw = oci.canonical_json(config)
        image = self.images.register(raw, layers, parent=parent.id if parent else "")
        return self._as_build_image(image)

    def write_layer(self, write: Callable[[BinaryIO], None]) -> Layer:
        with tempfile.TemporaryFile() as f:
            write(f)
            f.seek(0)
            digest, size = self.images.content.write_blob(f)
        return Layer(digest, digest, size, oci.OCI_LAYER)

    def tag(self, image: BuildImage, ref: str) -> str:
        from ..images import reference as refs

        target = refs.parse(ref).tagged_or_latest()
        self.images.set_tag(target, image.id)
        return target.familiar() if hasattr(target, "familiar") else str(target)

    # -- filesystem views --
    @contextlib.contextmanager
    def rootfs(self, image: BuildImage) -> Iterator[Path]:
        from ...linux.mountall import mount_all, unmount_all

        top = self.images.unpack(self.images.get(image.id))
        with tempfile.TemporaryDirectory(prefix="buildview-") as target:
            if not top:
                yield Path(target)
                return
            key = f"buildview-{os.urandom(6).hex()}"
            mounts = self.images.snapshots.view(key, parent=top)
            try:
                mount_all(mounts, target)
                try:
                    yield Path(target)
                finally:
                    unmount_all(target)
            finally:
                self.images.snapshots.remove(key)

    # -- the build cache: (parent, step key) -> image, checked against the store on every hit --
    def _cache(self) -> dict[str, str]:
        try:
            return json.loads(self.cache_file.read_text())
        except (OSError, ValueError):
            return {}

    def cached_child(self, parent: BuildImage | None, key: str, sources: list[str] | None = None) -> BuildImage | None:
        # Several images may come from one (parent, step): a rebuild with --no-cache or another --cache-from.
        # The newest one still in the store wins; with cache-from, only one inside a source's chain
        # (moby's ImageCache: a local hit counts only when a source descends from it).
        found = self._cache().get(f"{parent.id if parent else 'scratch'} {key}") or []
        allowed = set().union(*(self._chain(ref) for ref in sources)) if sources is not None else None
        for image_id in reversed([found] if isinstance(found, str) else found):
            if allowed is not None and image_id not in allowed:
                continue
            try:
                return self._as_build_image(self.images.store.get(image_id))
            except NotFound:
                continue
        return None

    def _chain(self, ref: str) -> set[str]:
        """An image and its build ancestors ({} when the reference names nothing: moby skips it with a warning)."""
        try:
            image = self.images.get(ref)
        except NotFound:
            return set()
        chain = set()
        while image is not None and image.id not in chain:
            chain.add(image.id)
            try:
                image = self.images.store.get(image.parent) if image.parent else None
            except NotFound:
                image = None
        return chain

    def remember(self, parent: BuildImage | None, key: str, image: BuildImage) -> None:
        from ..images.store import write_atomic

        with _CACHE_LOCK:
            cache = self._cache()
            entry = f"{parent.id if parent else 'scratch'} {key}"
            known = cache.get(entry) or []
            known = [known] if isinstance(known, str) else known
            # newest last; ids of deleted images are dropped as they are met, so the list stays short
            cache[entry] = [i for i in known if i != image.id and self.images.store.has(i)][-7:] + [image.id]
            write_atomic(self.cache_file, json.dumps(cache).encode())

    # -- RUN --
    def run(self, image: BuildImage, argv: list[str], env: list[str], user: str, workdir: str,
            output: Callable[[int, bytes], None], on_start: Callable[[str], None],
            keep_on_failure: bool = False, host: dict | None = None) -> tuple[int, Layer | None]:
        from .run_step import run_step

        return run_step(self.daemon, image.id, argv, env, user, workdir, output, on_start, keep_on_failure, host)
