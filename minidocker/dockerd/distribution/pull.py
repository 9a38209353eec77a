"""docker pull: manifest negotiation, an index resolved to linux/amd64, layers fetched concurrently and verified (cf. moby distribution/pull_v2.go).

Progress is Docker's JSON-message stream: "Pulling from library/busybox", per layer "Pulling fs layer",
"Downloading" with progressDetail, "Verifying Checksum", "Download complete", "Pull complete" (or
"Already exists"), then "Digest: ..." and "Status: Downloaded newer image for ...". Every blob goes
through the content store's verifying writer: a tampered blob is refused and nothing partial stays.
"""

from __future__ import annotations

import json
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

from ...errors import InvalidArgument, MinidockerError, NotFound
from ...oci import image as oci
from ...registry.client import RegistryClient, RegistryUnreachable, base_url
from ..images import reference as refs
from .config import RegistryConfig

WORKERS = 3
PLATFORM = {"os": "linux", "architecture": "amd64"}


def short(digest: str) -> str:
    return digest.split(":", 1)[1][:12]


def endpoints(ref: refs.Reference, config: RegistryConfig, credentials) -> list[RegistryClient]:
    """Mirrors first (Docker Hub images only), then the registry the reference names."""
    clients = [RegistryClient(m, None) for m in config.mirrors] if ref.domain == refs.DEFAULT_DOMAIN else []
    return clients + [RegistryClient(base_url(ref.domain, config.insecure), credentials)]


def pick_platform(client: RegistryClient, path: str, manifest) -> Any:
    """An index's linux/amd64 manifest (the first one, as containerd's platform matcher picks)."""
    doc = json.loads(manifest.data)
    if manifest.media_type not in oci.INDEX_TYPES and "manifests" not in doc:
        return manifest, None
    for entry in doc.get("manifests") or []:
        platform = entry.get("platform") or {}
        if platform.get("os") == PLATFORM["os"] and platform.get("architecture") == PLATFORM["architecture"]:
            return client.manifest(path, entry["digest"]), manifest
    raise NotFound(f"no matching manifest for linux/amd64 in the manifest list entries")


class Pull:
    """One pull; iterate it for the progress messages."""

    def __init__(self, images: Any, from_image: str, tag: str = "", credentials=None, config: RegistryConfig | None = None) -> None:
        ref = refs.parse(from_image)
        if tag:
            ref = ref.with_digest(tag) if tag.startswith("sha256:") else ref.with_tag(tag)
        self.ref = ref if (ref.tag or ref.digest) else ref.tagged_or_latest()
        self.images, self.credentials = images, credentials
        self.config = config or RegistryConfig.load()
        self.events: queue.Queue = queue.Queue()

    def _fetch(self) -> tuple[RegistryClient, Any]:
        last: Exception | None = None
        for client in endpoints(self.ref, self.config, self.credentials):
            try:
                return client, client.manifest(self.ref.path, self.ref.digest or self.ref.tag)
            except (RegistryUnreachable, NotFound, MinidockerError) as err:
                last = err
        if isinstance(last, NotFound):
            raise NotFound(f"manifest for {self.ref.familiar()} not found: manifest unknown: manifest unknown")
        raise last or RegistryUnreachable("no registry to pull from")

    def __iter__(self) -> Iterator[dict]:
        client, manifest = self._fetch()
        yield {"status": f"Pulling from {self.ref.path}", "id": self.ref.tag or self.ref.digest}
        manifest, index = pick_platform(client, self.ref.path, manifest)
        doc = json.loads(manifest.data)
        if "config" not in doc:
            raise InvalidArgument(f"unsupported manifest media type {manifest.media_type!r}")
        content = self.images.content
        config_desc = doc["config"]
        content.write_blob(self._blob_bytes(client, config_desc["digest"]), expected=config_desc["digest"])
        layers = doc.get("layers") or []
        yield from self._layers(client, layers)
        content.write_blob(manifest.data, expected=manifest.digest)
        top = index or manifest
        if index is not None:
            content.write_blob(index.data, expected=index.digest)
        raw_config = self.images.blobs.read(config_desc["digest"])
        before = self.images.store.lookup(self.ref.tagged_or_latest()) if self.ref.tag else None
        image = self.images.register(raw_config, layers)
        if self.ref.tag:
            self.images.set_tag(self.ref, image.id)
        self.images.set_tag(refs.Reference(self.ref.domain, self.ref.path, None, top.digest), image.id)
        yield {"status": f"Digest: {top.digest}"}
        name = self.ref.familiar()
        if before == image.id:
            yield {"status": f"Status: Image is up to date for {name}"}
        else:
            yield {"status": f"Status: Downloaded newer image for {name}"}

    def _blob_bytes(self, client: RegistryClient, digest: str) -> bytes:
        parts: list[bytes] = []
        client.blob(self.ref.path, digest, parts.append)
        return b"".join(parts)

    def _layers(self, client: RegistryClient, layers: list[dict]) -> Iterator[dict]:
        todo = []
        for layer in layers:
            if self.images.blobs.has(layer["digest"]):
                yield {"status": "Already exists", "progressDetail": {}, "id": short(layer["digest"])}
            else:
                todo.append(layer)
                yield {"status": "Pulling fs layer", "progressDetail": {}, "id": short(layer["digest"])}
        if not todo:
            return
        done = object()
        errors: list[BaseException] = []

        def fetch(layer: dict) -> None:
            lid, total = short(layer["digest"]), int(layer.get("size") or 0)
            try:
                with self.images.content.writer(ref=layer["digest"], expected=layer["digest"], total=total) as writer:
                    seen = [0]

                    def sink(chunk: bytes) -> None:
                        writer.write(chunk)
                        seen[0] += len(chunk)
                        self.events.put({"status": "Downloading", "progressDetail": {"current": seen[0], "total": total}, "id": lid})

                    client.blob(self.ref.path, layer["digest"], sink)
                    self.events.put({"status": "Verifying Checksum", "progressDetail": {}, "id": lid})
                    writer.commit(size=total, expected=layer["digest"])
                self.events.put({"status": "Download complete", "progressDetail": {}, "id": lid})
                self.events.put({"status": "Pull complete", "progressDetail": {}, "id": lid})
            except BaseException as err:  # reported after the others finish; the writer removed its ingest
                errors.append(err)

        def run_all() -> None:
            with ThreadPoolExecutor(WORKERS) as pool:
                list(pool.map(fetch, todo))
            self.events.put(done)

        threading.Thread(target=run_all, daemon=True).start()
        while (event := self.events.get()) is not done:
            yield event
        if errors:
            raise errors[0]
