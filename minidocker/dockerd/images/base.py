"""Register the offline base image as busybox:latest in the engine's stores (cf. what `docker pull busybox` leaves behind).

The set-up (`python -m minidocker.baseimage --ensure`) calls `register_busybox`: the containerd side's
`baseimage.write_image` puts layer, config and manifest into the content store; this module gives the
image its name in dockerd's image store. Both stores are plain files, so no daemon needs to run; a
daemon already running reads the new image when it next starts (or call it before starting one).
"""

from __future__ import annotations

from pathlib import Path

from ... import paths
from ...oci import image as oci
from . import reference as refs
from .service import ImageService
from .store import Image

BUSYBOX = "busybox:latest"


def content_root() -> Path:
    """Where containerd keeps its content store (cf. /var/lib/containerd/io.containerd.content.v1.content)."""
    return paths.state_dir() / "containerd" / "content"


def image_root() -> Path:
    """Where dockerd keeps its image store (cf. /var/lib/docker/image/overlay2)."""
    return paths.state_dir() / "image"


def register_busybox(rootfs: Path, name: str = BUSYBOX) -> Image:
    """Write the busybox rootfs as an image and tag it; quick and unchanged when already done."""
    from ...baseimage import write_image
    from ...containerd.content.local import LocalStore

    content = LocalStore(content_root())
    images = ImageService(image_root(), content, None, None)
    ref = refs.parse(name).tagged_or_latest()
    existing = images.store.lookup(ref)
    if existing:
        image = images.store.get(existing)
        if all(content.exists(d["digest"]) for d in image.layers):
            return image
    manifest_desc = write_image(content, Path(rootfs))
    manifest = oci.Manifest.from_bytes(content.read_bytes(manifest_desc.digest))
    config = content.read_bytes(manifest.config.digest)
    image = images.register(config, [layer.to_dict() for layer in manifest.layers], tags=[ref])
    images.size(image)  # records the layer's unpacked size now, so the first `images` is quick
    return image
