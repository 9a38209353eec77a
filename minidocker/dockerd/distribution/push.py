"""docker push: blobs the registry has are skipped, blobs of another repository mounted, the rest uploaded in chunks (cf. moby distribution/push_v2.go).

The manifest pushed is the one the image came with when it was pulled or loaded (so digests survive a
round trip); an image built here gets a new OCI manifest over its stored layer blobs.
"""

from __future__ import annotations

import io
import json
from typing import Any, Iterator

from ...errors import InvalidArgument, NotFound
from ...oci import image as oci
from ...registry.client import RegistryClient, base_url
from ..images import reference as refs
from .config import RegistryConfig
from .pull import short


def manifest_for(images: Any, image: Any) -> tuple[bytes, str]:
    """(bytes, media type) of the image's manifest: a stored one whose config is this image, else a new OCI one."""
    for ref in images.store.references(image.id):
        if ref.digest and images.blobs.has(ref.digest):
            data = images.blobs.read(ref.digest)
            doc = json.loads(data)
            if (doc.get("config") or {}).get("digest") == image.id:
                return data, doc.get("mediaType") or oci.OCI_MANIFEST
    config_type = oci.OCI_CONFIG
    doc = {"schemaVersion": 2, "mediaType": oci.OCI_MANIFEST,
           "config": {"mediaType": config_type, "digest": image.id, "size": len(image.raw_config)},
           "layers": [{"mediaType": l["mediaType"], "digest": l["digest"], "size": int(l["size"])} for l in image.layers]}
    return oci.canonical_json(doc), oci.OCI_MANIFEST


class Push:
    """One push; iterate it for the progress messages."""

    def __init__(self, images: Any, name: str, tag: str = "", credentials=None, config: RegistryConfig | None = None) -> None:
        ref = refs.parse(name)
        if tag:
            ref = ref.with_tag(tag)
        self.ref, self.images, self.credentials = ref, images, credentials
        self.config = config or RegistryConfig.load()

    def _targets(self) -> list[refs.Reference]:
        if self.ref.tag:
            return [self.ref]
        found = [refs.parse(f"{self.ref.name}:{t}") for t in self._tags_of_repo()]
        if not found:
            raise NotFound(f"An image does not exist locally with the tag: {self.ref.familiar_name}")
        return found

    def _tags_of_repo(self) -> list[str]:
        prefix = self.ref.name + ":"
        return sorted(k[len(prefix):] for k in self.images.store.all_references() if k.startswith(prefix))

    def __iter__(self) -> Iterator[dict]:
        targets = self._targets()
        client = RegistryClient(base_url(self.ref.domain, self.config.insecure), self.credentials)
        yield {"status": f"The push refers to repository [{self.ref.familiar_name}]"}
        for target in targets:
            yield from self._push_one(client, target)

    def _push_one(self, client: RegistryClient, target: refs.Reference) -> Iterator[dict]:
        try:
            image = self.images.get(str(target))
        except NotFound:
            raise NotFound(f"An image does not exist locally with the tag: {target.familiar_name}") from None
        data, media_type = manifest_for(self.images, image)
        doc = json.loads(data)
        blobs = [(l["digest"], int(l["size"]), True) for l in doc.get("layers") or []]
        blobs.append((doc["config"]["digest"], int(doc["config"]["size"]), False))
        for digest, _, is_layer in blobs:
            if is_layer:
                yield {"status": "Preparing", "progressDetail": {}, "id": short(digest)}
        for digest, size, is_layer in blobs:
            lid = short(digest)
            if client.has_blob(target.path, digest):
                if is_layer:
                    yield {"status": "Layer already exists", "progressDetail": {}, "id": lid}
                continue
            source = self._mount_source(digest, target)
            if source and client.mount(target.path, digest, source):
                if is_layer:
                    yield {"status": f"Mounted from {source}", "progressDetail": {}, "id": lid}
                continue
            progress: list[dict] = []
            # the config lives in dockerd's image store (its digest is the image id), layers in containerd's content
            with (io.BytesIO(image.raw_config) if digest == image.id else self.images.blobs.open(digest)) as reader:
                client.push_blob(target.path, digest, size, reader,
                                 lambda n: progress.append({"status": "Pushing", "progressDetail": {"current": n, "total": size}, "id": lid}))
            if is_layer:
                yield from progress
                yield {"status": "Pushed", "progressDetail": {}, "id": lid}
        digest = client.put_manifest(target.path, target.tag, data, media_type)
        self.images.set_tag(refs.Reference(target.domain, target.path, None, digest), image.id)
        yield {"status": f"{target.tag}: digest: {digest} size: {len(data)}"}
        yield {"progressDetail": {}, "aux": {"Tag": target.tag, "Digest": digest, "Size": len(data)}}

    def _mount_source(self, digest: str, target: refs.Reference) -> str | None:
        """Another repository of the same registry this daemon pushed or pulled the blob with."""
        for key in self.images.store.all_references():
            try:
                ref = refs.parse(key)
            except InvalidArgument:
                continue
            if ref.domain == target.domain and ref.path != target.path and ref.digest:
                try:
                    if digest in self.images.blobs.read(ref.digest).decode(errors="ignore"):
                        return ref.path
                except (NotFound, OSError):
                    continue
        return None
