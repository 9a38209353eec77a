"""Manifests are validated whole before anything is stored; content is addressed by algorithm (sha256 and sha512)."""

from __future__ import annotations

import json

import pytest

from registry_fixtures import (OCI_INDEX, OCI_MANIFEST, call, code, digest, manifest_doc, push_blob, put_manifest,
                               serving)


@pytest.fixture
def registry(tmp_path):
    with serving(tmp_path / "registry") as server:
        yield server


def stored(server) -> dict:
    """What the storage holds for lib/app: manifest revisions, tags, blob files."""
    root = server.storage.root
    repo = root / "repositories" / "lib" / "app" / "_manifests"
    return {"revisions": sorted(p.name for p in (repo / "revisions").rglob("*") if p.is_file()),
            "tags": sorted(p.name for p in (repo / "tags").glob("*")),
            "blobs": sorted(p.name for p in (root / "blobs").rglob("*") if p.is_file())}


def test_a_put_to_a_wrong_digest_stores_nothing(registry):
    doc = manifest_doc(registry, "lib/app", b"one")
    before = stored(registry)
    data = json.dumps(doc).encode()
    wrong = digest(data + b" ")
    status, _, body, _ = put_manifest(registry, "lib/app", wrong, doc)
    assert status == 400 and code(body) == "DIGEST_INVALID"
    assert stored(registry) == before
    assert call(registry, "GET", f"/v2/lib/app/manifests/{digest(data)}")[0] == 404  # not served by its real digest either


def test_sha512_is_a_digest_not_a_tag(registry):
    doc = manifest_doc(registry, "lib/app", b"two")
    data = json.dumps(doc).encode()
    status, headers, body, _ = put_manifest(registry, "lib/app", digest(data, "sha512"), doc)
    assert status == 201, body
    assert headers["Docker-Content-Digest"] == digest(data, "sha512")
    status, headers, got = call(registry, "GET", f"/v2/lib/app/manifests/{digest(data, 'sha512')}")
    assert status == 200 and got == data and headers["Docker-Content-Digest"] == digest(data, "sha512")
    assert json.loads(call(registry, "GET", "/v2/lib/app/tags/list")[2])["tags"] == []
    status, _, body, _ = put_manifest(registry, "lib/app", "sha512:" + "0" * 128, doc)
    assert status == 400 and code(body) == "DIGEST_INVALID"


def test_sha512_blobs_are_stored_and_served_by_their_own_address(registry):
    doc = manifest_doc(registry, "lib/app", b"three", algorithm="sha512")
    layer = doc["layers"][0]["digest"]
    assert layer.startswith("sha512:")
    status, headers, data = call(registry, "GET", f"/v2/lib/app/blobs/{layer}")
    assert status == 200 and digest(data, "sha512") == layer and headers["Docker-Content-Digest"] == layer
    assert call(registry, "HEAD", f"/v2/lib/app/blobs/{layer}")[0] == 200
    assert put_manifest(registry, "lib/app", "v512", doc)[0] == 201  # a manifest may name sha512 blobs
    assert (registry.storage.root / "blobs" / "sha512" / layer.split(":")[1]).is_file()


def test_chunked_sha512_upload_and_a_wrong_sha512_digest(registry):
    data = b"chunk one|chunk two"
    _, headers, _ = call(registry, "POST", "/v2/lib/app/blobs/uploads/?digest-algorithm=sha512")
    status, headers, _ = call(registry, "PATCH", headers["Location"], data[:10], {"Content-Range": "0-9"})
    assert status == 202
    status, _, body = call(registry, "PUT", f"{headers['Location']}?digest={digest(b'other', 'sha512')}", data[10:])
    assert status == 400 and code(body) == "DIGEST_INVALID"
    assert call(registry, "GET", f"/v2/lib/app/blobs/{digest(data, 'sha512')}")[0] == 404


@pytest.mark.parametrize("bad", ["md5:d41d8cd98f00b204e9800998ecf8427e", "sha384:" + "0" * 96, "sha256:xyz", "sha512:abc"])
def test_an_unsupported_or_malformed_digest_on_upload_is_400_and_the_upload_survives(registry, bad):
    _, headers, _ = call(registry, "POST", "/v2/lib/app/blobs/uploads/")
    status, _, body = call(registry, "PUT", f"{headers['Location']}?digest={bad}", b"data")
    assert status == 400 and code(body) == "DIGEST_INVALID"
    status, upload_headers, _ = call(registry, "GET", headers["Location"])
    assert status == 204 and upload_headers["Range"] == "0-0"  # nothing appended, still open
    status, _, body = call(registry, "POST", f"/v2/lib/app/blobs/uploads/?digest={bad}", b"data")
    assert status == 400 and code(body) == "DIGEST_INVALID"


def test_an_unsupported_digest_algorithm_asked_at_post_is_400(registry):
    status, _, body = call(registry, "POST", "/v2/lib/app/blobs/uploads/?digest-algorithm=md5")
    assert status == 400 and code(body) == "DIGEST_INVALID"


@pytest.mark.parametrize("missing", [digest(b"nope"), digest(b"nope", "sha512"), "sha384:" + "a" * 96])
@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
def test_a_missing_blob_of_any_algorithm_is_404_blob_unknown(registry, method, missing):
    push_blob(registry, "lib/app", b"something")
    status, _, body = call(registry, method, f"/v2/lib/app/blobs/{missing}")
    assert status == 404
    if method != "HEAD":
        assert code(body) == "BLOB_UNKNOWN"


def test_a_malformed_blob_digest_is_400(registry):
    status, _, body = call(registry, "GET", "/v2/lib/app/blobs/sha256:NOT-HEX!")
    assert status == 400 and code(body) == "DIGEST_INVALID"


def _broken(doc: dict, how: str) -> tuple[dict, str, str]:
    """A copy of a good manifest broken one way: (doc, Content-Type, the error code expected)."""
    doc = json.loads(json.dumps(doc))
    if how == "content-type":
        return doc, "application/vnd.docker.distribution.manifest.v2+json", "MANIFEST_INVALID"
    if how == "media-type":
        doc["mediaType"] = "application/vnd.docker.distribution.manifest.v1+prettyjws"
        return doc, doc["mediaType"], "MANIFEST_INVALID"
    if how == "schema-version":
        doc["schemaVersion"] = 1
    elif how == "no-config":
        del doc["config"]
    elif how == "layer-size":
        doc["layers"][0]["size"] += 1
    elif how == "layer-missing":
        doc["layers"][0]["digest"] = digest(b"never pushed")
        return doc, OCI_MANIFEST, "MANIFEST_BLOB_UNKNOWN"
    elif how == "layer-digest":
        doc["layers"][0]["digest"] = "md5:d41d8cd98f00b204e9800998ecf8427e"
        return doc, OCI_MANIFEST, "DIGEST_INVALID"
    elif how == "annotations":
        doc["annotations"] = {"a": 1}
    return doc, OCI_MANIFEST, "MANIFEST_INVALID"


@pytest.mark.parametrize("how", ["content-type", "media-type", "schema-version", "no-config", "layer-size",
                                 "layer-missing", "layer-digest", "annotations"])
def test_an_invalid_manifest_is_refused_and_nothing_is_stored(registry, how):
    good = manifest_doc(registry, "lib/app", b"four")
    doc, media_type, expected = _broken(good, how)
    before = stored(registry)
    status, _, body, _ = put_manifest(registry, "lib/app", "v1", doc, media_type)
    assert status == 400 and code(body) == expected, body
    assert stored(registry) == before
    assert put_manifest(registry, "lib/app", "v1", good)[0] == 201  # the good one still goes in


def test_not_json_is_manifest_invalid(registry):
    status, _, body = call(registry, "PUT", "/v2/lib/app/manifests/v1", b"{not json", {"Content-Type": OCI_MANIFEST})
    assert status == 400 and code(body) == "MANIFEST_INVALID"


def test_an_index_needs_its_manifests_in_the_repository(registry):
    doc = manifest_doc(registry, "lib/app", b"five")
    _, headers, _, data = put_manifest(registry, "lib/app", "amd64", doc)
    child = {"mediaType": OCI_MANIFEST, "digest": headers["Docker-Content-Digest"], "size": len(data),
             "platform": {"architecture": "amd64", "os": "linux"}}
    missing = dict(child, digest=digest(b"another manifest"))
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [child, missing]}
    status, _, body, _ = put_manifest(registry, "lib/app", "multi", index)
    assert status == 400 and code(body) == "MANIFEST_BLOB_UNKNOWN"
    assert "multi" not in json.loads(call(registry, "GET", "/v2/lib/app/tags/list")[2])["tags"]
    index["manifests"] = [child]
    assert put_manifest(registry, "lib/app", "multi", index)[0] == 201


def test_put_by_digest_with_tag_parameters_answers_oci_tag(registry):
    doc = manifest_doc(registry, "lib/app", b"six")
    data = json.dumps(doc).encode()
    status, headers, _ = call(registry, "PUT", f"/v2/lib/app/manifests/{digest(data)}?tag=1.0&tag=latest", data,
                              {"Content-Type": OCI_MANIFEST})
    assert status == 201 and headers["OCI-Tag"] == "1.0, latest"
    assert json.loads(call(registry, "GET", "/v2/lib/app/tags/list")[2])["tags"] == ["1.0", "latest"]


def test_a_root_written_in_the_sha256_only_layout_is_still_served(tmp_path):
    """Before algorithms had folders: _layers/<hex> and revisions/<hex>. Opened now, everything is still there."""
    root = tmp_path / "old"
    layer, config = b"old layer", b'{"os": "linux"}'
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(config), "size": len(config)},
           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest(layer), "size": len(layer)}]}
    data = json.dumps(doc).encode()
    repo = root / "repositories" / "lib" / "app"
    for blob in (layer, config, data):
        (root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        (root / "blobs" / "sha256" / digest(blob)[7:]).write_bytes(blob)
        (repo / "_layers").mkdir(parents=True, exist_ok=True)
        (repo / "_layers" / digest(blob)[7:]).write_bytes(b"")
    (repo / "_manifests" / "revisions").mkdir(parents=True)
    (repo / "_manifests" / "revisions" / digest(data)[7:]).write_text(json.dumps({"mediaType": OCI_MANIFEST}))
    (repo / "_manifests" / "tags").mkdir()
    (repo / "_manifests" / "tags" / "v1").write_text(digest(data))
    with serving(root) as server:
        status, headers, got = call(server, "GET", "/v2/lib/app/manifests/v1")
        assert status == 200 and got == data and headers["Docker-Content-Digest"] == digest(data)
        assert call(server, "GET", f"/v2/lib/app/blobs/{digest(layer)}")[2] == layer


def test_the_registry_client_verifies_a_manifest_pulled_by_its_sha512_digest(registry):
    from minidocker.errors import DigestMismatch
    from minidocker.registry.client import RegistryClient

    doc = manifest_doc(registry, "lib/app", b"client")
    data = json.dumps(doc).encode()
    assert put_manifest(registry, "lib/app", digest(data, "sha512"), doc)[0] == 201
    client = RegistryClient(f"http://127.0.0.1:{registry.server_address[1]}")
    assert client.manifest("lib/app", digest(data, "sha512")).data == data
    other = json.dumps(manifest_doc(registry, "lib/app", b"other")).encode()
    assert put_manifest(registry, "lib/app", "v2", json.loads(other))[0] == 201
    registry.storage.blob_path(digest(data, "sha512")).write_bytes(other)  # a registry serving other bytes
    with pytest.raises(DigestMismatch):
        client.manifest("lib/app", digest(data, "sha512"))
