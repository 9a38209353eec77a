"""Helpers for the image-service tests: a real local content store and snapshotter, and images made from file dicts."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from minidocker.containerd.content.local import LocalStore
from minidocker.containerd.diff.service import DiffService
from minidocker.containerd.snapshots.overlay import OverlaySnapshotter
from minidocker.dockerd.images import ImageService
from minidocker.oci import image as oci


class Containers:
    """Stands in for daemon.containers_using_image: image id -> [(container id, running)]."""

    def __init__(self) -> None:
        self.users: dict[str, list[tuple[str, bool]]] = {}

    def __call__(self, image_id: str) -> list[tuple[str, bool]]:
        return list(self.users.get(image_id, []))


def make_service(root: Path) -> tuple[ImageService, Containers]:
    content = LocalStore(root / "containerd" / "content")
    snapshots = OverlaySnapshotter(root / "containerd" / "snapshots")
    containers = Containers()
    svc = ImageService(root / "image", content, snapshots, DiffService(content), using_image=containers)
    return svc, containers


def layer_tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_image(svc: ImageService, layers: list[dict[str, bytes]], *, parent: str = "", tags: tuple[str, ...] = (),
               created: str = "2026-01-01T00:00:00Z", labels: dict[str, str] | None = None,
               cmd: list[str] | None = None, history: list[dict] | None = None):
    """Store the layers as plain tar blobs and register an image made of them."""
    descs, diff_ids = [], []
    for files in layers:
        data = layer_tar(files)
        digest, size = svc.content.write_blob(data, expected=oci.sha256_digest(data))
        descs.append({"mediaType": oci.OCI_LAYER, "digest": digest, "size": size})
        diff_ids.append(digest)
    config = {"architecture": "amd64", "os": "linux", "created": created,
              "config": {"Cmd": cmd or ["sh"], **({"Labels": labels} if labels else {})},
              "rootfs": {"type": "layers", "diff_ids": diff_ids},
              "history": history if history is not None else
              [{"created": created, "created_by": f"step {i}"} for i in range(len(layers))]}
    raw = json.dumps(config, sort_keys=True).encode()
    return svc.register(raw, descs, parent=parent, tags=tags)
