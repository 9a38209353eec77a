"""The course's registry speaks the Distribution API: uploads, blobs, manifests, tags, catalog, search, auth."""

import base64
import gzip
import json
import socket
import threading

import pytest

from minidocker.registry.auth import Auth
from minidocker.registry.server import RegistryServer
from registry_fixtures import call, digest, serving


@pytest.fixture
def registry(tmp_path):
    with serving(tmp_path / "registry") as server:
        yield server


def push_blob(server, name, data, chunked=False):
    status, headers, _ = call(server, "POST", f"/v2/{name}/blobs/uploads/")
    assert status == 202 and headers["Range"] == "0-0"
    location = headers["Location"]
    if chunked:
        half = len(data) // 2
        status, headers, _ = call(server, "PATCH", location, data[:half], {"Content-Range": f"0-{half - 1}"})
        assert status == 202 and headers["Range"] == f"0-{half - 1}"
        status, headers, _ = call(server, "PUT", f"{location}?digest={digest(data)}", data[half:])
    else:
        status, headers, _ = call(server, "PUT", f"{location}?digest={digest(data)}", data)
    assert status == 201 and headers["Docker-Content-Digest"] == digest(data)
    return digest(data)


def image(server, name, tag, media="application/vnd.oci.image.manifest.v1+json"):
    layer = gzip.compress(b"not really a tar, but bytes all the same")
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    push_blob(server, name, layer, chunked=True)
    push_blob(server, name, config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": media,
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(config), "size": len(config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest(layer), "size": len(layer)}]},
                          indent=3).encode()  # odd formatting on purpose: the bytes must come back unchanged
    status, headers, _ = call(server, "PUT", f"/v2/{name}/manifests/{tag}", manifest, {"Content-Type": media})
    assert status == 201
    return manifest, layer


def test_version_check_and_unknown_things(registry):
    status, headers, body = call(registry, "GET", "/v2/")
    assert status == 200 and headers["Docker-Distribution-API-Version"] == "registry/2.0"
    status, _, body = call(registry, "GET", f"/v2/nobody/blobs/{digest(b'x')}")
    assert status == 404 and json.loads(body)["errors"][0]["code"] == "BLOB_UNKNOWN"
    status, _, body = call(registry, "GET", "/v2/nobody/manifests/latest")
    assert status == 404 and json.loads(body)["errors"][0]["code"] == "MANIFEST_UNKNOWN"


@pytest.mark.parametrize("media", ["application/vnd.oci.image.manifest.v1+json",
                                   "application/vnd.docker.distribution.manifest.v2+json"])
def test_manifests_come_back_byte_identical_by_tag_and_digest(registry, media):
    manifest, layer = image(registry, "lib/app", "v1", media)
    for ref in ("v1", digest(manifest)):
        status, headers, body = call(registry, "GET", f"/v2/lib/app/manifests/{ref}")
        assert status == 200 and body == manifest
        assert headers["Content-Type"] == media and headers["Docker-Content-Digest"] == digest(manifest)
    status, headers, body = call(registry, "GET", f"/v2/lib/app/blobs/{digest(layer)}", headers={"Range": "bytes=4-9"})
    assert status == 206 and body == layer[4:10] and headers["Content-Range"] == f"bytes 4-9/{len(layer)}"


def test_a_blob_whose_bytes_do_not_match_is_refused_and_leaves_nothing(registry):
    _, headers, _ = call(registry, "POST", "/v2/x/blobs/uploads/")
    status, _, body = call(registry, "PUT", f"{headers['Location']}?digest={digest(b'other')}", b"tampered")
    assert status == 400 and json.loads(body)["errors"][0]["code"] == "DIGEST_INVALID"
    assert call(registry, "HEAD", f"/v2/x/blobs/{digest(b'tampered')}")[0] == 404
    assert list((registry.storage.root / "uploads").iterdir()) == []
    assert call(registry, "GET", headers["Location"])[0] == 404  # the upload is gone


def test_chunks_out_of_order_are_refused(registry):
    _, headers, _ = call(registry, "POST", "/v2/x/blobs/uploads/")
    status, _, _ = call(registry, "PATCH", headers["Location"], b"abc", {"Content-Range": "5-7"})
    assert status == 416


def test_manifest_needs_its_blobs_and_cross_repository_mount(registry):
    manifest, layer = image(registry, "a/one", "latest")
    status, _, body = call(registry, "PUT", "/v2/a/two/manifests/latest", manifest,
                           {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert status == 400 and json.loads(body)["errors"][0]["code"] == "MANIFEST_BLOB_UNKNOWN"
    status, headers, _ = call(registry, "POST", f"/v2/a/two/blobs/uploads/?mount={digest(layer)}&from=a/one")
    assert status == 201 and headers["Docker-Content-Digest"] == digest(layer)
    assert call(registry, "HEAD", f"/v2/a/two/blobs/{digest(layer)}")[0] == 200


def test_tags_catalog_pagination_delete_and_search(registry):
    for tag in ("1", "2", "3"):
        image(registry, "lib/busybox", tag)
    image(registry, "other", "latest")
    status, headers, body = call(registry, "GET", "/v2/lib/busybox/tags/list?n=2")
    assert json.loads(body)["tags"] == ["1", "2"] and 'rel="next"' in headers["Link"]
    assert json.loads(call(registry, "GET", "/v2/lib/busybox/tags/list?n=2&last=2")[2])["tags"] == ["3"]
    assert json.loads(call(registry, "GET", "/v2/_catalog")[2])["repositories"] == ["lib/busybox", "other"]
    assert call(registry, "DELETE", "/v2/lib/busybox/manifests/3")[0] == 202
    assert json.loads(call(registry, "GET", "/v2/lib/busybox/tags/list")[2])["tags"] == ["1", "2"]
    found = json.loads(call(registry, "GET", "/v1/search?q=busy")[2])
    assert found["num_results"] == 1 and found["results"][0]["name"] == "lib/busybox"


def test_a_tls_client_hello_gets_an_answer_not_a_hang(registry):
    with socket.create_connection(("127.0.0.1", registry.server_address[1]), timeout=5) as s:
        s.sendall(bytes([0x16, 0x03, 0x01, 0x00, 0x05]) + b"hello")
        reply = s.recv(100)
    assert reply.startswith(b"HTTP/1.0 400")


def test_bearer_token_flow(tmp_path):
    server = RegistryServer(("127.0.0.1", 0), tmp_path / "r", Auth("token", {"alice": "secret"}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, headers, _ = call(server, "GET", "/v2/lib/x/tags/list")
        assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer realm=")
        assert 'scope="repository:lib/x:pull,push"' in headers["WWW-Authenticate"]
        assert call(server, "GET", "/token?scope=repository:lib/x:pull")[0] == 401
        basic = "Basic " + base64.b64encode(b"alice:secret").decode()
        token = json.loads(call(server, "GET", "/token?scope=repository:lib/x:pull", headers={"Authorization": basic})[2])["token"]
        status, _, body = call(server, "GET", "/v2/lib/x/tags/list", headers={"Authorization": f"Bearer {token}"})
        assert status == 404 and json.loads(body)["errors"][0]["code"] == "NAME_UNKNOWN"  # authorised, just empty
        assert call(server, "GET", "/v2/lib/other/tags/list", headers={"Authorization": f"Bearer {token}"})[0] == 401
    finally:
        server.shutdown()
        server.server_close()


def test_search_names_official_images_as_docker_hub_does(registry):
    image(registry, "library/busybox", "latest")
    found = json.loads(call(registry, "GET", "/v1/search?q=busybox")[2])["results"]
    assert [(r["name"], r["is_official"]) for r in found] == [("busybox", True)]
