"""busybox:latest written as a real OCI image into the content store, readable by skopeo (no root needed)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from minidocker import baseimage
from minidocker.containerd.archive import apply_tar, tar_bytes
from minidocker.containerd.content import LocalStore
from minidocker.containerd.diff import LABEL_UNCOMPRESSED
from minidocker.oci import image as oci


@pytest.fixture
def image(tmp_path: Path, busybox_rootfs_master: Path) -> tuple[LocalStore, oci.Descriptor]:
    store = LocalStore(tmp_path / "content")
    return store, baseimage.write_image(store, busybox_rootfs_master)


def test_layer_tar_is_reproducible(busybox_rootfs_master: Path, busybox_rootfs: Path):
    assert baseimage.layer_tar(busybox_rootfs_master) == baseimage.layer_tar(busybox_rootfs)


def test_manifest_config_and_layer_are_consistent(image):
    store, desc = image
    assert desc.media_type == oci.OCI_MANIFEST and store.info(desc.digest).size == desc.size
    manifest = oci.Manifest.from_bytes(store.read_bytes(desc.digest))
    assert manifest.config.media_type == oci.OCI_CONFIG
    config = oci.ImageConfig.from_bytes(store.read_bytes(manifest.config.digest))
    assert (config.architecture, config.os) == ("amd64", "linux")
    assert config.config.Cmd == ["sh"] and config.config.Env == baseimage.IMAGE_ENV
    assert len(manifest.layers) == 1 and len(config.diff_ids) == 1 and len(config.history) == 2
    layer = manifest.layers[0]
    assert layer.media_type == oci.OCI_LAYER_GZIP
    assert store.info(layer.digest).labels[LABEL_UNCOMPRESSED] == config.diff_ids[0]
    # every blob is what its digest says
    for d in (desc.digest, manifest.config.digest, layer.digest):
        assert oci.sha256_digest(store.read_bytes(d)) == d


def test_the_layer_unpacks_to_the_rootfs(image, tmp_path: Path, busybox_rootfs_master: Path):
    store, desc = image
    manifest = oci.Manifest.from_bytes(store.read_bytes(desc.digest))
    config = oci.ImageConfig.from_bytes(store.read_bytes(manifest.config.digest))
    out = tmp_path / "unpacked"
    out.mkdir()
    with store.read(manifest.layers[0].digest) as blob:
        applied = apply_tar(blob, out)
    assert applied.diff_id == config.diff_ids[0]
    epoch = baseimage.source_epoch(busybox_rootfs_master)
    assert tar_bytes(out, mtime=epoch, owner=(0, 0)) == baseimage.layer_tar(busybox_rootfs_master)
    assert (out / "bin" / "sh").samefile(out / "bin" / "busybox")


def test_writing_twice_gives_the_same_digest(image, busybox_rootfs_master: Path):
    store, desc = image
    assert baseimage.write_image(store, busybox_rootfs_master) == desc
    assert len(store.list()) == 3


@pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo not installed")
def test_skopeo_reads_it_as_an_oci_layout(image):
    store, desc = image
    desc.annotations = {oci.ANNOTATION_REF_NAME: "latest"}
    store.write_index(oci.Index(manifests=[desc]))
    out = subprocess.run(["skopeo", "inspect", "--raw", f"oci:{store.root}:latest"], check=True,
                         capture_output=True).stdout
    assert oci.sha256_digest(out) == desc.digest
    cfg = json.loads(subprocess.run(["skopeo", "inspect", "--config", f"oci:{store.root}:latest"], check=True,
                                    capture_output=True).stdout)
    assert cfg["config"]["Cmd"] == ["sh"]
