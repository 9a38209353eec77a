"""The referrers API of distribution-spec 1.1 and OCI-Subject, for image manifests and indexes."""

from __future__ import annotations

import json
import re

import pytest

from registry_fixtures import OCI_INDEX, OCI_MANIFEST, call, code, digest, manifest_doc, push_blob, put_manifest, serving

EMPTY = b"{}"
SBOM = "application/vnd.example.sbom.v1"


@pytest.fixture
def registry(tmp_path):
    with serving(tmp_path / "registry") as server:
        yield server


def subject_of(server, name: str) -> dict:
    _, headers, _, data = put_manifest(server, name, "v1", manifest_doc(server, name, b"subject"))
    return {"mediaType": OCI_MANIFEST, "digest": headers["Docker-Content-Digest"], "size": len(data)}


def artifact(server, name: str, subject: dict, artifact_type: str | None, config_type: str, note: str) -> dict:
    push_blob(server, name, EMPTY)
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": {"mediaType": config_type, "digest": digest(EMPTY), "size": len(EMPTY)},
           "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": digest(EMPTY), "size": 2}],
           "subject": subject, "annotations": {"org.example.note": note}}
    if artifact_type:
        doc["artifactType"] = artifact_type
    data = json.dumps(doc).encode()
    status, headers, body = call(server, "PUT", f"/v2/{name}/manifests/{digest(data)}", data, {"Content-Type": OCI_MANIFEST})
    assert status == 201, body
    assert headers["OCI-Subject"] == subject["digest"]  # the registry processed the subject
    return {"digest": digest(data), "size": len(data)}


def referrers(server, name: str, subject: str, query: str = ""):
    status, headers, body = call(server, "GET", f"/v2/{name}/referrers/{subject}{query}")
    assert status == 200 and headers["Content-Type"] == OCI_INDEX, body
    return json.loads(body), headers


def test_referrers_list_artifact_types_and_annotations_of_manifests_and_indexes(registry):
    subject = subject_of(registry, "lib/app")
    sbom = artifact(registry, "lib/app", subject, SBOM, "application/vnd.oci.empty.v1+json", "sbom")
    sig = artifact(registry, "lib/app", subject, None, "application/vnd.example.sig.config.v1+json", "signature")
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "subject": subject, "annotations": {"org.example.note": "idx"},
             "manifests": [{"mediaType": OCI_MANIFEST, "digest": sbom["digest"], "size": sbom["size"]}]}
    status, headers, _, index_data = put_manifest(registry, "lib/app", digest(json.dumps(index).encode()), index)
    assert status == 201 and headers["OCI-Subject"] == subject["digest"]
    doc, headers = referrers(registry, "lib/app", subject["digest"])
    assert doc["schemaVersion"] == 2 and doc["mediaType"] == OCI_INDEX and "OCI-Filters-Applied" not in headers
    by_digest = {d["digest"]: d for d in doc["manifests"]}
    assert by_digest[sbom["digest"]] == {"mediaType": OCI_MANIFEST, "digest": sbom["digest"], "size": sbom["size"],
                                         "artifactType": SBOM, "annotations": {"org.example.note": "sbom"}}
    assert by_digest[sig["digest"]]["artifactType"] == "application/vnd.example.sig.config.v1+json"  # the config's type
    assert by_digest[digest(index_data)] == {"mediaType": OCI_INDEX, "digest": digest(index_data), "size": len(index_data),
                                             "annotations": {"org.example.note": "idx"}}  # an index: no artifactType
    assert len(doc["manifests"]) == 3


def test_artifact_type_filter_says_it_was_applied(registry):
    subject = subject_of(registry, "lib/app")
    sbom = artifact(registry, "lib/app", subject, SBOM, "application/vnd.oci.empty.v1+json", "sbom")
    artifact(registry, "lib/app", subject, "application/vnd.example.sig.v1", "application/vnd.oci.empty.v1+json", "sig")
    doc, headers = referrers(registry, "lib/app", subject["digest"], f"?artifactType={SBOM}")
    assert headers["OCI-Filters-Applied"] == "artifactType"
    assert [d["digest"] for d in doc["manifests"]] == [sbom["digest"]]


def test_pages_are_linked_until_every_referrer_is_listed(registry):
    subject = subject_of(registry, "lib/app")
    made = {artifact(registry, "lib/app", subject, SBOM, "application/vnd.oci.empty.v1+json", str(i))["digest"]
            for i in range(5)}
    seen, query, pages = [], "?n=2", 0
    while True:
        doc, headers = referrers(registry, "lib/app", subject["digest"], query)
        pages += 1
        seen += [d["digest"] for d in doc["manifests"]]
        if "Link" not in headers:
            break
        m = re.match(r'^<(/v2/lib/app/referrers/[^>?]+)(\?[^>]*)>; rel="next"$', headers["Link"])
        assert m and m.group(1).endswith(subject["digest"])
        query = m.group(2)
    assert sorted(seen) == sorted(made) and len(seen) == 5 and pages == 3


def test_a_referrer_may_come_before_its_subject_and_goes_when_deleted(registry):
    future = {"mediaType": OCI_MANIFEST, "digest": digest(b"not pushed yet"), "size": 14}
    made = artifact(registry, "lib/app", future, SBOM, "application/vnd.oci.empty.v1+json", "early")
    assert [d["digest"] for d in referrers(registry, "lib/app", future["digest"])[0]["manifests"]] == [made["digest"]]
    assert call(registry, "DELETE", f"/v2/lib/app/manifests/{made['digest']}")[0] == 202
    assert referrers(registry, "lib/app", future["digest"])[0]["manifests"] == []


def test_no_referrers_is_an_empty_index_and_a_bad_digest_is_400(registry):
    subject_of(registry, "lib/app")
    assert referrers(registry, "lib/app", digest(b"nothing refers to me"))[0]["manifests"] == []
    assert referrers(registry, "lib/app", digest(b"nor me", "sha512"))[0]["manifests"] == []
    status, _, body = call(registry, "GET", "/v2/lib/app/referrers/sha256:not-a-digest!")
    assert status == 400 and code(body) == "DIGEST_INVALID"


def test_a_manifest_without_subject_gets_no_oci_subject_header(registry):
    status, headers, _, _ = put_manifest(registry, "lib/app", "plain", manifest_doc(registry, "lib/app", b"plain"))
    assert status == 201 and "OCI-Subject" not in headers
