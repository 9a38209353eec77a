"""The content store, snapshotter and differ used through minicontainerd's gRPC API, as dockerd's image
service uses them: a layer written, unpacked into a snapshot, and a container's changes diffed back."""

from __future__ import annotations

import hashlib
import io
import tarfile

import pytest

from containerd_fixture import ctd  # noqa: F401
from minidocker.oci.image import OCI_LAYER, Descriptor

pytestmark = pytest.mark.root


def layer_tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_apply_then_diff_through_the_daemon(ctd):
    c = ctd.client
    blob = layer_tar({"hello.txt": b"hi\n"})
    digest, size = c.content.write_blob(blob)
    assert digest == "sha256:" + hashlib.sha256(blob).hexdigest()

    mounts = c.snapshots.prepare("extract-1", "")
    applied = c.diff.apply(Descriptor(OCI_LAYER, digest, size), mounts)
    assert applied.digest == digest  # an uncompressed layer: its diff_id is its own digest
    c.snapshots.commit("layer-1", "extract-1")
    assert c.snapshots.usage("layer-1").size >= 3

    upper = c.snapshots.prepare("ctr", "layer-1")
    upperdir = next(o.split("=", 1)[1] for o in upper[0].options if o.startswith("upperdir="))
    with open(f"{upperdir}/new.txt", "wb") as f:
        f.write(b"new\n")
    lower = c.snapshots.view("ctr-view", "layer-1")
    layer = c.diff.compare(lower, upper)
    assert layer.diff_id.startswith("sha256:") and c.content.exists(layer.descriptor.digest)
    with tarfile.open(fileobj=c.content.read(layer.descriptor.digest)) as tar:
        assert tar.getnames() == ["new.txt"]
        assert tar.extractfile("new.txt").read() == b"new\n"
    for key in ("ctr-view", "ctr", "layer-1"):
        c.snapshots.remove(key)
    assert c.snapshots.list() == []
