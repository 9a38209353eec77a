"""A container's root filesystem from an image: unpack layers once, then one writable snapshot (cf. containerd core/unpack/unpacker.go, client/container_opts.go WithNewSnapshot).

Each layer becomes a COMMITTED snapshot named by its chain id, so two images sharing a base layer
share it on disk, and a layer is unpacked exactly once. A container gets an ACTIVE snapshot keyed by
its id on top of the image's last chain id: its overlay mounts are what the shim mounts as rootfs.
"""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING, Any

from ...errors import Conflict, DigestMismatch, NotFound
from ...oci.image import Descriptor
from .store import Image

if TYPE_CHECKING:
    from .service import ImageService

_UNPACK_LOCK = threading.Lock()  # two containers of one new image must not unpack its layers twice


def _exists(svc: "ImageService", key: str) -> bool:
    try:
        svc.snapshots.stat(key)
        return True
    except NotFound:
        return False


def unpack(svc: "ImageService", image: Image) -> str:
    """Make sure every layer of the image is a committed snapshot; returns the top chain id ("" for scratch)."""
    from .service import chain_ids

    chains = chain_ids(image.diff_ids)
    # Fast path, no lock: once its top layer is committed, every layer below it is (a layer is committed
    # only on its committed parent). So 50 `run`s of one image at once do not queue here on a stat each.
    if not chains or _exists(svc, chains[-1]):
        return chains[-1] if chains else ""
    with _UNPACK_LOCK:
        parent = ""
        for desc, diff_id, chain in zip(image.layers, image.diff_ids, chains):
            if not _exists(svc, chain):
                _apply_layer(svc, desc, diff_id, chain, parent)
            parent = chain
    return parent


def _apply_layer(svc: "ImageService", desc: dict[str, Any], diff_id: str, chain: str, parent: str) -> None:
    key = f"extract-{uuid.uuid4().hex[:12]} {chain}"
    mounts = svc.snapshots.prepare(key, parent=parent)
    try:
        applied = svc.diff.apply(Descriptor.from_dict(desc), mounts)
        if applied.digest != diff_id:
            raise DigestMismatch(f"layer {desc['digest']} unpacks to {applied.digest}, "
                                 f"but the image config says {diff_id}")
        svc.snapshots.commit(chain, key)
    except BaseException:
        try:
            svc.snapshots.remove(key)  # nothing half-applied survives
        except NotFound:
            pass
        raise


def prepare(svc: "ImageService", container_id: str, image: Image) -> list[Any]:
    """The mounts of a new writable snapshot keyed by container_id on top of the image's layers."""
    top = unpack(svc, image)
    try:
        return svc.snapshots.prepare(container_id, parent=top, labels={"minidocker.image": image.id})
    except Conflict:
        raise Conflict(f"a root filesystem for container {container_id[:12]} already exists") from None


def release(svc: "ImageService", container_id: str, image_id: str = "") -> None:
    """Drop a container's writable snapshot; absent is fine (rm after a failed create).

    Its layers can become garbage only if its image was deleted while the container used it (rmi -f):
    while the image exists every layer is still needed, so the collection (a listing of every snapshot,
    under the image lock) is skipped; a caller that does not say the image collects always."""
    try:
        svc.snapshots.remove(container_id)
    except NotFound:
        pass
    if image_id and svc.store.has(image_id):
        return
    from .delete import collect_snapshots

    with svc.lock:
        collect_snapshots(svc)  # layers of an image deleted while this container still used them
