"""`docker save`: images as a docker-archive with an OCI image layout beside it, as Docker 25+ writes it (cf. moby image/tarexport/save.go).

The tar holds:
  oci-layout                    {"imageLayoutVersion": "1.0.0"}
  blobs/sha256/<hex>            configs, OCI manifests and UNCOMPRESSED layer tars (digest = diff id)
  index.json                    one OCI manifest descriptor per tag (io.containerd.image.name + ref.name)
  manifest.json                 [{"Config": "blobs/sha256/..", "RepoTags": [..], "Layers": [..]}] (docker load)
  repositories                  {"busybox": {"latest": "<top layer hex>"}} (the legacy v1 loaders)
so `docker load`, `skopeo inspect oci-archive:`, and `umoci` all read the same file.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Iterator

from ...errors import InvalidArgument
from ...oci import image as oci
from . import reference as refs
from .blobs import _Prepended
from .store import Image

if TYPE_CHECKING:
    from .service import ImageService

CHUNK = 1 << 16


def _select(svc: "ImageService", names: list[str]) -> list[tuple[Image, list[refs.Reference]]]:
    """Which images and which of their tags go in (cf. parseNames): a bare repo takes all its tags,
    a tag just itself, an id no tag at all."""
    chosen: dict[str, list[refs.Reference]] = {}
    order: list[str] = []
    for name in names:
        if not name:
            raise InvalidArgument("invalid reference format")
        image = svc.get(name)
        if image.id not in chosen:
            chosen[image.id] = []
            order.append(image.id)
        wanted: list[refs.Reference] = []
        if not (refs.SHORT_ID_RE.match(name) and image.id[7:].startswith(name.removeprefix("sha256:"))):
            ref = refs.parse(name)
            if ref.tag or ref.digest:
                wanted = [ref] if ref.tag else []
            else:
                wanted = [r for r in svc.references(image.id) if r.tag and r.name == ref.name]
        for r in wanted:
            if r not in chosen[image.id]:
                chosen[image.id].append(r)
    return [(svc.store.get(i), chosen[i]) for i in order]


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o444, 0
    tar.addfile(info, io.BytesIO(data))


def _add_dir(tar: tarfile.TarFile, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
    tar.addfile(info)


def _add_layer(svc: "ImageService", tar: tarfile.TarFile, desc: dict, diff_id: str, tmp: Path) -> int:
    """The layer as an uncompressed tar named by its diff id; returns its size."""
    name = "blobs/sha256/" + diff_id.split(":", 1)[1]
    if desc["digest"] == diff_id:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = svc.blobs.size(desc["digest"]), 0o444, 0
        with svc.blobs.open(desc["digest"]) as src:
            tar.addfile(info, src)
        return info.size
    # A compressed blob (loaded or pulled): inflate it once into a temporary file, checking its diff id.
    spool = tmp / "layer"
    digest = hashlib.sha256()
    with svc.blobs.open(desc["digest"]) as raw, open(spool, "wb") as out:
        head = raw.read(2)
        body = io.BufferedReader(_Prepended(head, raw))  # type: ignore[arg-type]
        src = gzip.GzipFile(fileobj=body) if head == b"\x1f\x8b" else body
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if "sha256:" + digest.hexdigest() != diff_id:
        raise InvalidArgument(f"layer {desc['digest']} does not unpack to its diff id {diff_id}")
    with open(spool, "rb") as src:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = spool.stat().st_size, 0o444, 0
        tar.addfile(info, src)
    spool.unlink()
    return info.size


def write_archive(svc: "ImageService", names: list[str], out: BinaryIO) -> None:
    """Write the archive of the named images to a binary file."""
    selected = _select(svc, names)
    written: set[str] = set()
    layer_size: dict[str, int] = {}
    index: list[dict] = []
    manifest_json: list[dict] = []
    repositories: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(dir=_tmp_root(svc)) as tmpdir, \
            tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, "oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        _add_dir(tar, "blobs/")
        _add_dir(tar, "blobs/sha256/")
        for image, tags in selected:
            layers = []
            for desc, diff_id in zip(image.layers, image.diff_ids):
                if diff_id not in layer_size:
                    layer_size[diff_id] = _add_layer(svc, tar, desc, diff_id, Path(tmpdir))
                layers.append({"mediaType": oci.OCI_LAYER, "digest": diff_id, "size": layer_size[diff_id]})
            config_name = "blobs/sha256/" + image.id[7:]
            if image.id not in written:
                _add_bytes(tar, config_name, image.raw_config)
                written.add(image.id)
            manifest = {"schemaVersion": 2, "mediaType": oci.OCI_MANIFEST,
                        "config": {"mediaType": oci.OCI_CONFIG, "digest": image.id, "size": len(image.raw_config)},
                        "layers": layers}
            raw_manifest = json.dumps(manifest, separators=(",", ":")).encode()
            manifest_digest = oci.sha256_digest(raw_manifest)
            if manifest_digest not in written:
                _add_bytes(tar, "blobs/sha256/" + manifest_digest[7:], raw_manifest)
                written.add(manifest_digest)
            descriptor = {"mediaType": oci.OCI_MANIFEST, "digest": manifest_digest, "size": len(raw_manifest)}
            for tag in tags or [None]:
                entry = dict(descriptor)
                if tag is not None:
                    entry["annotations"] = {oci.ANNOTATION_CONTAINERD_IMAGE_NAME: str(tag),
                                            oci.ANNOTATION_REF_NAME: tag.tag or ""}
                    if layers:
                        repositories.setdefault(tag.familiar_name, {})[tag.tag or ""] = layers[-1]["digest"][7:]
                index.append(entry)
            manifest_json.append({"Config": config_name, "RepoTags": [t.familiar() for t in tags] or None,
                                  "Layers": ["blobs/sha256/" + d["digest"][7:] for d in layers]})
        _add_bytes(tar, "index.json", json.dumps({"schemaVersion": 2, "mediaType": oci.OCI_INDEX,
                                                  "manifests": index}).encode())
        _add_bytes(tar, "manifest.json", json.dumps(manifest_json).encode())
        if repositories:
            _add_bytes(tar, "repositories", json.dumps(repositories).encode())


def _tmp_root(svc: "ImageService") -> Path:
    path = svc.root / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_stream(svc: "ImageService", names: list[str]) -> Iterator[bytes]:
    """GET /images/get: the archive as chunks. Errors in the names surface before the first byte."""
    _select(svc, names)  # a bad name is a 404 / 400 now, not a broken stream later
    spool = tempfile.TemporaryFile(dir=_tmp_root(svc))
    write_archive(svc, names, spool)
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while data := spool.read(CHUNK):
                yield data

    return chunks()
