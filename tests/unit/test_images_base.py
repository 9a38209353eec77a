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


def test_rmi_of_the_base_image_empties_the_content_store(md_root: Path, busybox_rootfs: Path) -> None:
    baseimage.register(busybox_rootfs)
    content = LocalStore(content_root())
    svc = ImageService(image_root(), content, None, None)
    assert len(content.list()) == 3  # layer, config, manifest
    records = svc.remove("busybox")
    assert records[0] == {"Untagged": "busybox:latest"}
    assert content.list() == []
