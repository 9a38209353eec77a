"""Real registry clients against the course's registry: skopeo pushes and pulls, manifests keep their digests."""

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest

from minidocker.registry.server import RegistryServer

pytestmark = pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo is installed by the set-up")


def _put(root: Path, data: bytes) -> str:
    hexd = hashlib.sha256(data).hexdigest()
    (root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    (root / "blobs" / "sha256" / hexd).write_bytes(data)
    return "sha256:" + hexd


def oci_layout(root: Path, tag: str, files: dict[str, bytes]) -> str:
    """A one-layer OCI image layout; returns the manifest digest."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    layer = buf.getvalue()
    layer_digest = _put(root, layer)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [layer_digest]}}).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": _put(root, config), "size": len(config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": len(layer)}]}).encode()
    digest = _put(root, manifest)
    (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": len(manifest),
         "annotations": {"org.opencontainers.image.ref.name": tag}}]}))
    return digest


@pytest.fixture
def registry(tmp_path):
    server = RegistryServer(("127.0.0.1", 0), tmp_path / "registry")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def skopeo(*args):
    return subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("fmt", ["oci", "v2s2"])
def test_skopeo_copies_in_and_out_with_the_same_digest(tmp_path, registry, fmt):
    oci_layout(tmp_path / "src", "v1", {"hello.txt": b"hi\n"})
    push = skopeo("copy", "--dest-tls-verify=false", "--format", fmt, f"oci:{tmp_path / 'src'}:v1", f"docker://{registry}/lib/hello:v1")
    assert push.returncode == 0, push.stderr
    pushed = json.loads(skopeo("inspect", "--tls-verify=false", f"docker://{registry}/lib/hello:v1").stdout)["Digest"]
    raw = skopeo("inspect", "--raw", "--tls-verify=false", f"docker://{registry}/lib/hello:v1").stdout.encode()
    assert "sha256:" + hashlib.sha256(raw).hexdigest() == pushed
    pull = skopeo("copy", "--preserve-digests", "--src-tls-verify=false", f"docker://{registry}/lib/hello:v1", f"oci:{tmp_path / 'out'}:v1")
    assert pull.returncode == 0, pull.stderr
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert index["manifests"][0]["digest"] == pushed


def test_an_oci_manifest_pushed_as_is_keeps_its_bytes(tmp_path, registry):
    digest = oci_layout(tmp_path / "src", "v1", {"a": b"a"})
    push = skopeo("copy", "--preserve-digests", "--dest-tls-verify=false", f"oci:{tmp_path / 'src'}:v1", f"docker://{registry}/x:v1")
    assert push.returncode == 0, push.stderr
    assert json.loads(skopeo("inspect", "--tls-verify=false", f"docker://{registry}/x:v1").stdout)["Digest"] == digest
