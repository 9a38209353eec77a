"""Root filesystems from the image service on the real kernel: layers unpacked once, whiteouts honoured, export."""

from __future__ import annotations

import io
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest

from minidocker import baseimage
from minidocker.containerd.content.local import LocalStore
from minidocker.containerd.diff.service import DiffService
from minidocker.containerd.snapshots.overlay import OverlaySnapshotter
from minidocker.dockerd.images import ImageService
from minidocker.dockerd.images.base import content_root, image_root
from minidocker.linux.mountall import mount_all, unmount_all
from minidocker.oci import image as oci

pytestmark = pytest.mark.root


@pytest.fixture
def svc(md_root: Path, busybox_rootfs: Path):
    baseimage.register(busybox_rootfs)
    content = LocalStore(content_root())
    return ImageService(image_root(), content, OverlaySnapshotter(md_root / "snapshots"), DiffService(content))


@pytest.fixture
def mounted(tmp_path: Path):
    """mount(mounts) -> a directory with them mounted; every mount undone at the end, even on failure."""
    targets: list[Path] = []

    def mount(mounts) -> Path:  # type: ignore[no-untyped-def]
        target = tmp_path / f"rootfs-{len(targets)}"
        target.mkdir()
        mount_all(mounts, target)
        targets.append(target)
        return target

    yield mount
    for target in reversed(targets):
        unmount_all(target)


def _layer(entries: list[tuple[str, bytes | None]]) -> bytes:
    """A layer tar: (name, data) files, (name/, None) directories."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name.rstrip("/"))
            if data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _derive(svc: ImageService, base: str, layers: list[bytes], tag: str) -> None:
    """An image of base + extra layers, as a build would make it."""
    import json

    parent = svc.get(base)
    config = json.loads(parent.raw_config)
    descs = list(parent.layers)
    for data in layers:
        digest, size = svc.content.write_blob(data, expected=oci.sha256_digest(data))
        descs.append({"mediaType": oci.OCI_LAYER, "digest": digest, "size": size})
        config["rootfs"]["diff_ids"].append(digest)
        config.setdefault("history", []).append({"created_by": "test layer"})
    svc.register(json.dumps(config).encode(), descs, parent=parent.id, tags=[tag])


def test_prepared_rootfs_runs_busybox_and_layers_are_shared(svc: ImageService, mounted) -> None:
    a, b = uuid.uuid4().hex, uuid.uuid4().hex
    root_a = mounted(svc.prepare_rootfs(a, "busybox"))
    root_b = mounted(svc.prepare_rootfs(b, "busybox"))
    out = subprocess.run(["chroot", str(root_a), "/bin/sh", "-c", "echo hi > /written; head -1 /etc/passwd"],
                         capture_output=True, text=True, check=True).stdout
    assert out.startswith("root:x:0:0:")
    assert (root_a / "written").exists() and not (root_b / "written").exists()  # each its own upper layer
    committed = [i for i in svc.snapshots.list() if i.kind.value == "committed"]
    assert len(committed) == 1  # one layer, unpacked once for both containers
    assert svc.inspect("busybox")["GraphDriver"]["Data"]["Snapshot"] == committed[0].name


def test_whiteout_and_opaque_directory(svc: ImageService, mounted, tmp_path: Path) -> None:
    _derive(svc, "busybox", [
        _layer([("data/", None), ("data/keep", b"1"), ("data/old", b"2"), ("etc/motd", b"hello\n")]),
        _layer([("etc/.wh.motd", b""), ("data/", None), ("data/.wh..wh..opq", b""), ("data/new", b"3")]),
    ], "whiteouts:latest")
    cid = uuid.uuid4().hex
    root = mounted(svc.prepare_rootfs(cid, "whiteouts"))
    assert not (root / "etc" / "motd").exists()
    assert sorted(p.name for p in (root / "data").iterdir()) == ["new"]
    assert (root / "bin" / "sh").exists()


def test_export_is_the_merged_filesystem(svc: ImageService, mounted) -> None:
    cid = uuid.uuid4().hex
    root = mounted(svc.prepare_rootfs(cid, "busybox"))
    (root / "etc" / "passwd").unlink()
    (root / "added").write_text("new\n")
    archive = b"".join(svc.export(cid))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        names = set(tar.getnames())
        assert tar.extractfile("added").read() == b"new\n"  # type: ignore[union-attr]
    assert "bin/sh" in names and "etc/passwd" not in names and "etc/group" in names


@pytest.mark.parametrize("says_image", [False, True], ids=["image unknown", "image named (dockerd's rm)"])
def test_forced_rmi_under_a_container_keeps_its_layer_until_the_container_goes(svc: ImageService, says_image) -> None:
    cid = uuid.uuid4().hex
    image = svc.get("busybox")
    svc.prepare_rootfs(cid, image)
    svc.using_image = lambda image_id: [(cid, False)] if image_id == image.id else []
    records = svc.remove("busybox", force=True)
    assert records == [{"Untagged": "busybox:latest"}, {"Deleted": image.id}]  # the layer stays: in use
    chain = image.diff_ids[0]
    assert svc.snapshots.stat(chain).name == chain
    svc.using_image = lambda image_id: []
    svc.release_rootfs(cid, image.id if says_image else "")
    assert [i.name for i in svc.snapshots.list()] == []


def test_rm_of_a_container_keeps_the_layers_of_its_image(svc: ImageService) -> None:
    cid = uuid.uuid4().hex
    image = svc.get("busybox")
    svc.prepare_rootfs(cid, image)
    svc.release_rootfs(cid, image.id)
    assert [i.name for i in svc.snapshots.list()] == list(image.diff_ids)  # one layer: its chain id is its diff id
    again = uuid.uuid4().hex
    assert svc.prepare_rootfs(again, image)  # the fast path (top layer committed) gives a rootfs
    svc.release_rootfs(again, image.id)
