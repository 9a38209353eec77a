"""Interop with the real OCI tools: skopeo reads what `save` writes, umoci unpacks it into a bundle the real
runc runs, and an image skopeo writes loads back into the engine and runs."""

from __future__ import annotations

import json
import shutil
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

pytestmark = [pytest.mark.root,
              pytest.mark.skipif(not (shutil.which("skopeo") and shutil.which("umoci") and shutil.which("runc")),
                                 reason="needs skopeo, umoci and runc")]


@pytest.fixture
def svc(md_root: Path, busybox_rootfs: Path) -> ImageService:
    baseimage.register(busybox_rootfs)
    content = LocalStore(content_root())
    return ImageService(image_root(), content, OverlaySnapshotter(md_root / "snapshots"), DiffService(content))


@pytest.fixture
def saved(svc: ImageService, tmp_path: Path) -> Path:
    """busybox saved by the engine, as a tar and unpacked into an OCI layout directory."""
    archive = tmp_path / "busybox.tar"
    with open(archive, "wb") as f:
        for chunk in svc.save(["busybox"]):
            f.write(chunk)
    return archive


def _layout(archive: Path, dest: Path) -> Path:
    dest.mkdir()
    subprocess.run(["tar", "-xf", str(archive), "-C", str(dest)], check=True)  # GNU tar reads it too
    return dest


def test_skopeo_inspects_the_saved_archive(svc: ImageService, saved: Path, tmp_path: Path) -> None:
    image = svc.get("busybox")
    for target in (f"oci-archive:{saved}", f"oci:{_layout(saved, tmp_path / 'layout')}:latest"):
        out = subprocess.run(["skopeo", "inspect", target], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        info = json.loads(out.stdout)
        assert info["Os"] == "linux" and info["Architecture"] == "amd64"
        assert len(info["Layers"]) == 1
        raw = subprocess.run(["skopeo", "inspect", "--config", "--raw", target], capture_output=True, timeout=60)
        assert raw.returncode == 0 and raw.stdout == image.raw_config


@pytest.fixture
def runc_container(tmp_path: Path):
    """Names of runc containers to delete at the end, even when the test fails."""
    names: list[str] = []
    yield names
    for name in names:
        subprocess.run(["runc", "--root", str(tmp_path / "runc"), "delete", "-f", name], capture_output=True)


def test_umoci_unpacks_it_into_a_bundle_runc_runs(saved: Path, tmp_path: Path, runc_container: list[str]) -> None:
    layout = _layout(saved, tmp_path / "layout")
    bundle = tmp_path / "bundle"
    out = subprocess.run(["umoci", "unpack", "--image", f"{layout}:latest", str(bundle)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    config = json.loads((bundle / "config.json").read_text())
    assert config["process"]["args"] == ["sh"]  # the image's CMD, carried by umoci into the runtime spec
    config["process"]["args"] = ["sh", "-c", "echo from-umoci; ls /bin/busybox"]
    config["process"]["terminal"] = False
    (bundle / "config.json").write_text(json.dumps(config))
    name = "md-" + uuid.uuid4().hex[:12]
    runc_container.append(name)
    run = subprocess.run(["runc", "--root", str(tmp_path / "runc"), "run", "--bundle", str(bundle), name],
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["from-umoci", "/bin/busybox"]


def test_an_image_skopeo_wrote_loads_and_runs(saved: Path, tmp_path: Path, md_root: Path) -> None:
    src = _layout(saved, tmp_path / "layout")
    dest = tmp_path / "copied"
    out = subprocess.run(["skopeo", "copy", "--dest-compress", f"oci:{src}:latest",
                          f"oci:{dest}:localhost:5000/copied:v1"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    archive = tmp_path / "copied.tar"
    with tarfile.open(archive, "w") as tar:
        for entry in sorted(dest.iterdir()):
            tar.add(entry, arcname=entry.name)
    other_root = md_root / "other"
    content = LocalStore(other_root / "content")
    other = ImageService(other_root / "image", content, OverlaySnapshotter(other_root / "snapshots"), DiffService(content))
    with open(archive, "rb") as f:
        assert other.load(f) == ["Loaded image: localhost:5000/copied:v1"]
    image = other.get("localhost:5000/copied:v1")
    assert image.layers[0]["mediaType"].endswith("gzip")  # skopeo recompressed it; we verified the diff id
    target = tmp_path / "container-rootfs"
    target.mkdir()
    mount_all(other.prepare_rootfs(uuid.uuid4().hex, image), target)
    try:
        run = subprocess.run(["chroot", str(target), "/bin/sh", "-c", "echo loaded-and-running"],
                             capture_output=True, text=True, timeout=30)
        assert run.stdout == "loaded-and-running\n", run.stderr
    finally:
        unmount_all(target)


def test_a_docker_archive_skopeo_wrote_loads(saved: Path, tmp_path: Path, md_root: Path) -> None:
    """skopeo's docker-archive writer emulates `docker save` (the system dockerd must not be started here)."""
    src = _layout(saved, tmp_path / "layout")
    archive = tmp_path / "docker-archive.tar"
    out = subprocess.run(["skopeo", "copy", f"oci:{src}:latest", f"docker-archive:{archive}:legacy/box:2"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    other_root = md_root / "other"
    content = LocalStore(other_root / "content")
    other = ImageService(other_root / "image", content, None, None)
    with open(archive, "rb") as f:
        assert other.load(f) == ["Loaded image: legacy/box:2"]
    assert other.inspect("legacy/box:2")["Config"]["Cmd"] == ["sh"]
