"""save/load round trips, digest verification, corrupt archives, OCI layouts, import."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from minidocker.errors import DigestMismatch, InvalidArgument, NotFound, Unsupported
from minidocker.oci import image as oci

from images_fixtures import layer_tar, make_image, make_service

BASE = {"bin/sh": b"#!shell\n" * 50, "etc/hostname": b"box\n"}


@pytest.fixture
def svc(tmp_path: Path):
    return make_service(tmp_path / "a")[0]


@pytest.fixture
def other(tmp_path: Path):
    return make_service(tmp_path / "b")[0]


def saved(svc, *names: str) -> bytes:
    return b"".join(svc.save(list(names)))


def members(archive: bytes) -> dict[str, bytes]:
    out = {}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for m in tar:
            if m.isreg():
                out[m.name] = tar.extractfile(m).read()  # type: ignore[union-attr]
    return out


def rewrite(archive: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    files = members(archive)
    change(files)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_save_writes_docker_archive_and_oci_layout(svc) -> None:
    img = make_image(svc, [BASE, {"app": b"x"}], tags=("busybox:latest", "localhost:5000/mybox:v1"))
    files = members(saved(svc, "busybox"))
    assert json.loads(files["oci-layout"]) == {"imageLayoutVersion": "1.0.0"}
    (entry,) = json.loads(files["manifest.json"])
    assert entry["RepoTags"] == ["busybox:latest"]  # a name takes that repository's tags only
    assert entry["Config"] == "blobs/sha256/" + img.id[7:]
    assert entry["Layers"] == ["blobs/sha256/" + d[7:] for d in img.diff_ids]
    for name, data in files.items():
        if name.startswith("blobs/sha256/"):
            assert hashlib.sha256(data).hexdigest() == name.rsplit("/", 1)[1]
    index = json.loads(files["index.json"])
    (desc,) = index["manifests"]
    assert desc["annotations"] == {"io.containerd.image.name": "docker.io/library/busybox:latest",
                                   "org.opencontainers.image.ref.name": "latest"}
    manifest = json.loads(files["blobs/sha256/" + desc["digest"][7:]])
    assert manifest["config"]["digest"] == img.id and manifest["mediaType"] == oci.OCI_MANIFEST
    assert json.loads(files["repositories"]) == {"busybox": {"latest": img.diff_ids[-1][7:]}}


def test_round_trip_into_another_engine(svc, other) -> None:
    img = make_image(svc, [BASE, {"app": b"x"}], tags=("busybox:latest", "localhost:5000/mybox:v1"))
    archive = saved(svc, "busybox", "localhost:5000/mybox:v1")
    assert other.load(io.BytesIO(archive)) == ["Loaded image: busybox:latest", "Loaded image: localhost:5000/mybox:v1"]
    assert other.get("busybox").id == img.id
    assert other.inspect("busybox")["RootFS"]["Layers"] == img.diff_ids
    assert other.list()[0]["Size"] == svc.list()[0]["Size"]
    # Loading again moves nothing; an untagged image reports its id.
    assert other.load(io.BytesIO(archive))[0] == "Loaded image: busybox:latest"
    untagged = make_image(svc, [{"u": b"1"}])
    assert other.load(io.BytesIO(saved(svc, untagged.id))) == [f"Loaded image ID: {untagged.id}"]


def test_load_moves_a_tag_and_says_so(svc, other) -> None:
    first = make_image(other, [{"v": b"1"}], tags=("app:latest",))
    make_image(svc, [{"v": b"2"}], tags=("app:latest",))
    msgs = other.load(io.BytesIO(saved(svc, "app")))
    assert msgs[0] == f"The image app:latest already exists, renaming the old one with ID {first.id} to empty string"
    assert other.list(filters={"dangling": ["true"]})[0]["Id"] == first.id


def _blob_of(files: dict[str, bytes], size_hint: int) -> str:
    return next(n for n, d in files.items() if n.startswith("blobs/") and len(d) > size_hint)


def test_corrupt_layer_is_refused_and_nothing_is_left(svc, other) -> None:
    make_image(svc, [BASE], tags=("busybox:latest",))

    def flip(files: dict[str, bytes]) -> None:
        name = _blob_of(files, 1000)
        data = bytearray(files[name])
        data[600] ^= 0xFF
        files[name] = bytes(data)

    with pytest.raises(DigestMismatch, match="does not match its digest"):
        other.load(io.BytesIO(rewrite(saved(svc, "busybox"), flip)))
    assert other.list(all=True) == []
    assert other.content.list() == []
    assert list((other.root / "tmp").iterdir()) == []


def test_docker_archive_layer_must_match_the_config(svc, other) -> None:
    """The old layout (<id>/layer.tar): no digest in the name, so the diff id check must catch it."""
    make_image(svc, [BASE], tags=("busybox:latest",))

    def legacy(files: dict[str, bytes]) -> None:
        entry = json.loads(files["manifest.json"])[0]
        del files[entry["Layers"][0]]
        files["abc/layer.tar"] = layer_tar({"evil": b"not the layer"})
        entry["Layers"] = ["abc/layer.tar"]
        files["manifest.json"] = json.dumps([entry]).encode()

    with pytest.raises(DigestMismatch, match="has diff id"):
        other.load(io.BytesIO(rewrite(saved(svc, "busybox"), legacy)))
    assert other.list(all=True) == []


@pytest.mark.parametrize("payload,message", [
    (b"this is not a tar at all" * 40, "not a readable tar"),
    (None, "neither manifest.json"),
])
def test_not_an_image_archive(other, payload, message) -> None:
    if payload is None:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo("hello.txt")
            info.size = 2
            tar.addfile(info, io.BytesIO(b"hi"))
        payload = buf.getvalue()
    with pytest.raises(InvalidArgument, match=message):
        other.load(io.BytesIO(payload))


def test_entry_leaving_the_archive_is_refused(other) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("../../escape")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(InvalidArgument, match="leaves the archive"):
        other.load(io.BytesIO(buf.getvalue()))
    assert not (other.root / "escape").exists()


def write_oci_layout(tmp: Path, layers: list[dict[str, bytes]], ref_name: str) -> bytes:
    """An OCI layout as skopeo writes one (gzip layers, ref.name annotation only), tarred."""
    blobs: dict[str, bytes] = {}

    def put(data: bytes) -> str:
        digest = oci.sha256_digest(data)
        blobs[digest] = data
        return digest

    descs, diff_ids = [], []
    for files in layers:
        plain = layer_tar(files)
        gz = gzip.compress(plain, mtime=0)
        descs.append({"mediaType": oci.OCI_LAYER_GZIP, "digest": put(gz), "size": len(gz)})
        diff_ids.append(oci.sha256_digest(plain))
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": oci.OCI_MANIFEST,
                           "config": {"mediaType": oci.OCI_CONFIG, "digest": put(config), "size": len(config)},
                           "layers": descs}).encode()
    mdigest = put(manifest)
    index = {"schemaVersion": 2, "manifests": [{"mediaType": oci.OCI_MANIFEST, "digest": mdigest, "size": len(manifest),
                                                "annotations": {oci.ANNOTATION_REF_NAME: ref_name}}]}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", json.dumps(index).encode())] + \
                [("blobs/sha256/" + d[7:], b) for d, b in blobs.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_load_oci_layout_with_gzip_layers(other, tmp_path: Path) -> None:
    archive = write_oci_layout(tmp_path, [BASE, {"b": b"2"}], "localhost:5000/from-skopeo:1.0")
    assert other.load(io.BytesIO(archive)) == ["Loaded image: localhost:5000/from-skopeo:1.0"]
    img = other.get("localhost:5000/from-skopeo:1.0")
    assert [d["mediaType"] for d in img.layers] == [oci.OCI_LAYER_GZIP] * 2
    assert other.list()[0]["Size"] == sum(len(v) for v in BASE.values()) + 1
    # Saved again, the layers come out uncompressed, named by their diff ids.
    files = members(b"".join(other.save(["localhost:5000/from-skopeo:1.0"])))
    assert json.loads(files["manifest.json"])[0]["Layers"] == ["blobs/sha256/" + d[7:] for d in img.diff_ids]
    only_tag = write_oci_layout(tmp_path, [{"c": b"3"}], "latest")
    (msg,) = other.load(io.BytesIO(only_tag))
    assert msg.startswith("Loaded image ID: sha256:")


def test_import_makes_a_one_layer_image(svc) -> None:
    tar = gzip.compress(layer_tar({"bin/tool": b"12345", "etc/motd": b"hi\n"}))
    image_id = svc.import_image(io.BytesIO(tar), repo="imported", tag="v1",
                                changes=['CMD ["/bin/tool"]', "ENV A=b", "WORKDIR /srv"])
    info = svc.inspect("imported:v1")
    assert info["Id"] == image_id and info["Comment"] == "Imported from -"
    assert info["Config"]["Cmd"] == ["/bin/tool"] and info["Config"]["Env"] == ["A=b"]
    assert info["Config"]["WorkingDir"] == "/srv" and info["Size"] == 8
    assert len(info["RootFS"]["Layers"]) == 1
    assert svc.history("imported:v1")[0]["Comment"] == "Imported from -"


def test_import_refuses_bad_input(svc) -> None:
    with pytest.raises(InvalidArgument, match="invalid tar"):
        svc.import_image(io.BytesIO(b"garbage" * 100))
    with pytest.raises(InvalidArgument, match="not a valid change command"):
        svc.import_image(io.BytesIO(layer_tar({"a": b"1"})), changes=["RUN rm -rf /"])
    with pytest.raises(Unsupported):
        svc.import_image(io.BytesIO(b""), src="http://example.com/rootfs.tar")
    with pytest.raises(InvalidArgument, match="invalid reference format"):
        svc.import_image(io.BytesIO(layer_tar({"a": b"1"})), repo="Bad Name")
    assert svc.list(all=True) == []


def test_save_unknown_name(svc) -> None:
    with pytest.raises(NotFound, match="No such image: nope:latest"):
        svc.save(["nope"])


def test_legacy_docker_archive_with_a_symlinked_layer(other) -> None:
    """Docker before 25 wrote <id>/layer.tar, <hex>.json configs, and symlinked layers two images share."""
    base = layer_tar({"bin/sh": b"sh"})
    top = layer_tar({"app": b"v1"})
    d_base, d_top = oci.sha256_digest(base), oci.sha256_digest(top)

    def config(diff_ids: list[str]) -> bytes:
        return json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                           "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()

    c1, c2 = config([d_base]), config([d_base, d_top])
    h1, h2 = oci.sha256_digest(c1)[7:], oci.sha256_digest(c2)[7:]
    manifest = [{"Config": f"{h1}.json", "RepoTags": ["base:1"], "Layers": ["aaa/layer.tar"]},
                {"Config": f"{h2}.json", "RepoTags": ["app:1"], "Layers": ["bbb/layer.tar", "ccc/layer.tar"]}]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in [(f"{h1}.json", c1), (f"{h2}.json", c2), ("aaa/layer.tar", base), ("ccc/layer.tar", top),
                           ("manifest.json", json.dumps(manifest).encode())]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("bbb/layer.tar")
        link.type, link.linkname = tarfile.SYMTYPE, "../aaa/layer.tar"
        tar.addfile(link)
    assert other.load(io.BytesIO(buf.getvalue())) == ["Loaded image: base:1", "Loaded image: app:1"]
    assert other.get("app:1").diff_ids == [d_base, d_top]
    assert other.df()["LayersSize"] == len(b"sh") + len(b"v1")


def test_symlink_out_of_the_archive_is_refused(other) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        link = tarfile.TarInfo("x/layer.tar")
        link.type, link.linkname = tarfile.SYMTYPE, "../../../etc/passwd"
        tar.addfile(link)
    with pytest.raises(InvalidArgument, match="points outside the archive"):
        other.load(io.BytesIO(buf.getvalue()))
