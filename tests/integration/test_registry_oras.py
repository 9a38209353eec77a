"""oras-py, a third-party OCI client, against the course registry: chunked uploads with Content-Range, artifacts with a subject, the referrers API."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

from minidocker.registry.process import serve_in_background

oras_provider = pytest.importorskip("oras.provider", reason="oras-py is in the dev extras (set-up)")
oras_oci = pytest.importorskip("oras.oci")


@pytest.fixture
def registry(tmp_path):
    running = serve_in_background(tmp_path / "registry")
    yield running
    running.stop()


def test_oras_pushes_in_chunks_and_a_referrer_the_registry_lists(registry, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # oras wants the files it pushes below the working directory
    data = os.urandom(5000)
    Path("model.bin").write_bytes(data)
    client = oras_provider.Registry(hostname=registry.address, insecure=True, auth_backend="basic")
    target = f"{registry.address}/course/model:v1"
    pushed = client.push(target, files=["model.bin"], do_chunked=True, chunk_size=1024, quiet=True)  # 5 PATCHes
    assert pushed.status_code == 201, pushed.text
    subject_digest = pushed.headers["Docker-Content-Digest"]

    out = tmp_path / "pulled"
    files = client.pull(target, outdir=str(out))
    assert [Path(f).read_bytes() for f in files] == [data]

    manifest = client.get_manifest(target)
    subject = oras_oci.Subject.from_manifest(manifest)
    assert subject.digest == subject_digest  # the registry kept the bytes oras sent
    Path("signature.txt").write_text("signed, in a way")
    signed = client.push(f"{registry.address}/course/model:v1-sig", files=["signature.txt"], subject=subject,
                         manifest_annotations={"org.example.kind": "signature"}, quiet=True)
    assert signed.status_code == 201 and signed.headers["OCI-Subject"] == subject_digest

    with urllib.request.urlopen(f"{registry.url}/v2/course/model/referrers/{subject_digest}", timeout=10) as resp:
        index = json.load(resp)
    assert [d["digest"] for d in index["manifests"]] == [signed.headers["Docker-Content-Digest"]]
    assert index["manifests"][0]["annotations"]["org.example.kind"] == "signature"
