"""OCI image-spec data types: round trips, Docker schema2 shapes, validation, canonical JSON (no root needed)."""

from __future__ import annotations

import json

import pytest

from minidocker.errors import InvalidArgument
from minidocker.oci import image as oci
from minidocker.oci.mount import Mount

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64

# A Docker schema2 manifest and config as `docker save`/registries give them (fields we do not model included).
DOCKER_MANIFEST = {
    "schemaVersion": 2, "mediaType": oci.DOCKER_MANIFEST,
    "config": {"mediaType": oci.DOCKER_CONFIG, "size": 1457, "digest": D1},
    "layers": [{"mediaType": oci.DOCKER_LAYER_GZIP, "size": 772788, "digest": D2}],
}
DOCKER_CONFIG = {
    "architecture": "amd64", "os": "linux", "created": "2023-05-19T20:19:24.158963315Z",
    "container": "8d1f",  "docker_version": "20.10.23",
    "config": {"Hostname": "", "Env": ["PATH=/bin"], "Cmd": ["sh"], "Image": "sha256:x", "Labels": None,
               "OnBuild": None, "Entrypoint": None},
    "rootfs": {"type": "layers", "diff_ids": [D2]},
    "history": [{"created": "2023-05-19T20:19:24Z", "created_by": "/bin/sh -c #(nop) ADD file:a in / "},
                {"created": "2023-05-19T20:19:24Z", "created_by": '/bin/sh -c #(nop)  CMD ["sh"]', "empty_layer": True}],
}


def test_docker_manifest_round_trips_exactly():
    m = oci.Manifest.from_dict(DOCKER_MANIFEST)
    assert m.media_type == oci.DOCKER_MANIFEST and m.layers[0].digest == D2
    assert m.to_dict() == DOCKER_MANIFEST


def test_docker_config_keeps_unknown_fields():
    c = oci.ImageConfig.from_dict(DOCKER_CONFIG)
    assert c.config.Cmd == ["sh"] and c.diff_ids == [D2] and c.history[1].empty_layer
    out = c.to_dict()
    assert out["docker_version"] == "20.10.23" and out["config"]["Hostname"] == ""
    assert out["config"]["Image"] == "sha256:x"
    assert oci.ImageConfig.from_dict(out) == c


def test_empty_entrypoint_differs_from_absent():
    assert "Entrypoint" not in oci.RuntimeConfig(Cmd=["sh"]).to_dict()
    assert oci.RuntimeConfig(Entrypoint=[]).to_dict()["Entrypoint"] == []


def test_index_with_platforms_and_annotations():
    idx = oci.Index(manifests=[oci.Descriptor(oci.OCI_MANIFEST, D1, 400, annotations={oci.ANNOTATION_REF_NAME: "latest"},
                                              platform=oci.Platform("arm64", "linux", variant="v8"))])
    data = oci.canonical_json(idx)
    back = oci.Index.from_bytes(data)
    assert back == idx
    assert json.loads(data)["manifests"][0]["platform"] == {"architecture": "arm64", "os": "linux", "variant": "v8"}


def test_canonical_json_is_sorted_and_compact_and_digest_matches():
    data = oci.canonical_json({"b": 1, "a": [1, 2], "é": "ü"})
    assert data == '{"a":[1,2],"b":1,"é":"ü"}'.encode()
    assert oci.sha256_digest(b"") == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("doc", [b"{not json", b'{"schemaVersion": 1, "config": {}}', b"[]",
                                 b'{"schemaVersion": 2, "config": {"digest": "sha256:short"}}'])
def test_malformed_documents_are_invalid_argument(doc):
    with pytest.raises(InvalidArgument):
        oci.Manifest.from_bytes(doc)


def test_config_with_bad_rootfs_type_is_refused():
    with pytest.raises(InvalidArgument):
        oci.ImageConfig.from_dict({**DOCKER_CONFIG, "rootfs": {"type": "zfs", "diff_ids": []}})


def test_layer_compression_from_media_type():
    assert oci.layer_compression(oci.OCI_LAYER_GZIP) == "gzip"
    assert oci.layer_compression(oci.DOCKER_LAYER_GZIP) == "gzip"
    assert oci.layer_compression(oci.OCI_LAYER_ZSTD) == "zstd"
    assert oci.layer_compression(oci.OCI_LAYER) is None


def test_mount_round_trip_and_go_json():
    m = Mount("overlay", "overlay", ["index=off", "workdir=/w", "upperdir=/u", "lowerdir=/a:/b"])
    assert Mount.from_dict(m.to_dict()) == m
    assert m.option("lowerdir") == "/a:/b" and m.option("nope") is None and not m.readonly
    go = Mount.from_dict({"Type": "bind", "Source": "/s", "Options": ["ro", "rbind"]})
    assert go == Mount("bind", "/s", ["ro", "rbind"]) and go.readonly
