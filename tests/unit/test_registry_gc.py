"""`minidocker registry gc`: mark every blob a manifest names, sweep the rest; refused while the root is served."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from minidocker.registry.storage import lock_root
from registry_fixtures import OCI_INDEX, OCI_MANIFEST, call, digest, manifest_doc, push_blob, put_manifest, serving


def gc(root, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "minidocker.client.cli", "registry", "gc", "--root", str(root), *flags],
                          capture_output=True, text=True, timeout=60)


def blob_files(root) -> set[str]:
    return {f"{p.parent.name}:{p.name}" for p in (root / "blobs").rglob("*") if p.is_file()}


@pytest.fixture
def stocked(tmp_path):
    """A root with: a kept image (tagged), its referrer, an index over a second image, a deleted image, an orphan blob."""
    root = tmp_path / "registry"
    with serving(root) as server:
        kept = manifest_doc(server, "lib/app", b"kept")
        _, headers, _, kept_data = put_manifest(server, "lib/app", "v1", kept)
        subject = {"mediaType": OCI_MANIFEST, "digest": headers["Docker-Content-Digest"], "size": len(kept_data)}
        push_blob(server, "lib/app", b"{}")
        sig = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/vnd.example.sig",
               "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": digest(b"{}"), "size": 2},
               "layers": [{"mediaType": "application/vnd.example.sig.blob", "digest": push_blob(server, "lib/app", b"sig"),
                           "size": 3}], "subject": subject}
        assert put_manifest(server, "lib/app", digest(json.dumps(sig).encode()), sig)[0] == 201
        child = manifest_doc(server, "lib/multi", b"child", algorithm="sha512")
        child_data = json.dumps(child).encode()
        assert put_manifest(server, "lib/multi", digest(child_data, "sha512"), child)[0] == 201  # untagged: kept
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX,
                 "manifests": [{"mediaType": OCI_MANIFEST, "digest": digest(child_data, "sha512"), "size": len(child_data)}]}
        assert put_manifest(server, "lib/multi", "latest", index)[0] == 201
        gone = manifest_doc(server, "lib/old", b"gone")
        _, headers, _, gone_data = put_manifest(server, "lib/old", "v0", gone)
        assert call(server, "DELETE", f"/v2/lib/old/manifests/{headers['Docker-Content-Digest']}")[0] == 202
        orphan = push_blob(server, "lib/app", b"uploaded, never named by a manifest")
        doomed = {orphan, digest(gone_data), gone["config"]["digest"], gone["layers"][0]["digest"]}
    return root, doomed


def test_dry_run_lists_and_deletes_nothing_then_gc_sweeps_exactly_the_unreferenced(stocked):
    root, doomed = stocked
    before = blob_files(root)
    dry = gc(root, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    listed = {line.split(": ", 1)[1] for line in dry.stdout.splitlines() if line.startswith("blob eligible for deletion")}
    assert listed == doomed and blob_files(root) == before
    done = gc(root)
    assert done.returncode == 0, done.stderr
    assert blob_files(root) == before - doomed and f"{len(doomed)} blobs deleted" in done.stdout
    with serving(root) as server:  # everything still named can still be pulled, whole
        for name, ref in (("lib/app", "v1"), ("lib/multi", "latest")):
            status, headers, data = call(server, "GET", f"/v2/{name}/manifests/{ref}")
            assert status == 200
            doc = json.loads(data)
            if doc["mediaType"] == OCI_INDEX:
                doc = json.loads(call(server, "GET", f"/v2/{name}/manifests/{doc['manifests'][0]['digest']}")[2])
            for d in [doc["config"], *doc["layers"]]:
                status, _, blob = call(server, "GET", f"/v2/{name}/blobs/{d['digest']}")
                assert status == 200 and digest(blob, d["digest"].split(":")[0]) == d["digest"]
        subject = call(server, "GET", "/v2/lib/app/manifests/v1")[1]["Docker-Content-Digest"]
        assert len(json.loads(call(server, "GET", f"/v2/lib/app/referrers/{subject}")[2])["manifests"]) == 1
        orphan = next(d for d in doomed if call(server, "HEAD", f"/v2/lib/app/blobs/{d}")[0] != 200)
        assert orphan  # the swept blob is no longer served by the repository that had it
    assert gc(root).stdout.splitlines()[-1].startswith(f"{len(before - doomed)} blobs marked, 0 blobs deleted")


def test_gc_refuses_while_the_root_is_served_and_deletes_nothing(stocked):
    root, _ = stocked
    before = blob_files(root)
    with serving(root):
        refused = gc(root)
        assert refused.returncode == 1 and "in use by a running registry" in refused.stderr
        assert refused.stderr.count("\n") == 1  # one line
        assert gc(root, "--dry-run").returncode == 0  # listing beside a server is harmless
    assert blob_files(root) == before


def test_a_registry_does_not_start_while_a_collection_holds_the_root(stocked):
    from minidocker.registry.server import RegistryBusy, RegistryServer

    root, _ = stocked
    fd = lock_root(root, exclusive=True)
    assert fd is not None
    try:
        with pytest.raises(RegistryBusy):
            RegistryServer(("127.0.0.1", 0), root)
    finally:
        import os

        os.close(fd)
    RegistryServer(("127.0.0.1", 0), root).server_close()


def test_gc_of_a_directory_that_is_no_registry_is_a_one_line_error(tmp_path):
    res = gc(tmp_path / "nothing")
    assert res.returncode == 1 and res.stderr.strip() == f"minidocker registry gc: no registry storage at {tmp_path / 'nothing'}"
