"""Seeding busybox:latest into a fresh engine root from the offline base image (cf. docker load of the set-up's image).

DESIGN §1 promises busybox:latest on every engine without a network: when the image store has no
busybox:latest at start-up, dockerd writes the set-up's busybox root filesystem into containerd's
content store as an OCI image (minidocker.baseimage.write_image) and registers it with the image service.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ..errors import NotFound

log = logging.getLogger("minidockerd.seed")

REF = "busybox:latest"


def ensure_busybox(images: Any, content: Any) -> bool:
    """Register busybox:latest unless it exists; True when it was made now."""
    try:
        images.get(REF)
        return False
    except NotFound:
        pass
    from .. import baseimage

    rootfs = baseimage.ensure()
    desc = baseimage.write_image(content, rootfs)
    manifest = json.loads(images.blobs.read(desc.digest))
    raw_config = images.blobs.read(manifest["config"]["digest"])
    images.register(raw_config, manifest["layers"], tags=[REF])
    log.info("seeded %s from %s", REF, rootfs)
    return True
