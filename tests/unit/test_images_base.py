"""The set-up names the offline base image busybox:latest in dockerd's image store."""

from __future__ import annotations

from pathlib import Path

from minidocker import baseimage
from minidocker.containerd.content.local import LocalStore
from minidocker.dockerd.images import ImageService
from minidocker.dockerd.images.base import content_root, image_root


def test_busybox_is_registered_once(md_root: Path, busybox_rootfs: Path) -> None:
    first = baseimage.register(busybox_rootfs)
    assert baseimage.register(busybox_rootfs) == first  # idempotent: same config bytes, same id
    svc = ImageService(image_root(), LocalStore(content_root()), None, None)
    (entry,) = svc.list(all=True)
    assert entry["Id"] == first and entry["RepoTags"] == ["busybox:latest"]
    info = svc.inspect("busybox")
    assert info["Config"]["Cmd"] == ["sh"]
    assert info["Os"] == "linux" and len(info["RootFS"]["Layers"]) == 1
    # The layer holds the whole rootfs: busybox itself is most of its size.
    assert info["Size"] >= (busybox_rootfs / "bin" / "busybox").stat().st_size
