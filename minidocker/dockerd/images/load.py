"""`docker load`: docker-archive and OCI image layout tars, every blob verified (cf. moby image/tarexport/load.go, containerd core/images/archive/importer.go).

Three phases, so a bad archive leaves nothing behind:
  1. unpack the tar into a private temporary directory (regular files and directories only; names that
     leave the directory are refused; the old format's symlinked layers resolve inside it);
  2. read and VERIFY everything: each blobs/sha256/<hex> hashes to <hex>, each config to the image id,
     each layer, once uncompressed, to its diff id in the config;
  3. only then write the blobs to the content store and record the images and their tags.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import posixpath
import shutil
import tarfile
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterator

from ...errors import DigestMismatch, InvalidArgument, MinidockerError
from ...oci import image as oci
from . import reference as refs

if TYPE_CHECKING:
    from .service import ImageService

CHUNK = 1 << 16


class BadArchive(InvalidArgument):
    """The archive is not a docker-archive/OCI layout, or its bytes do not match their digests."""


@dataclass
class Candidate:
    """One image found in the archive, verified, not yet stored."""

    config: bytes
    layers: list[tuple[Path, dict[str, Any]]]  # (file in the temp dir, descriptor to store it under)
    tags: list[refs.Reference] = field(default_factory=list)


def _safe_name(name: str) -> str:
    clean = posixpath.normpath(name)
    if clean.startswith("/") or clean == ".." or clean.startswith("../"):
        raise BadArchive(f"invalid archive: entry {name!r} leaves the archive")
    return clean


def _extract(stream: IO[bytes], dest: Path) -> None:
    links: list[tuple[str, str]] = []
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as tar:
            for member in tar:
                name = _safe_name(member.name)
                if name == ".":
                    continue
                target = dest / name
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                elif member.isreg():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    src = tar.extractfile(member)
                    with open(target, "wb") as out:
                        shutil.copyfileobj(src, out, CHUNK)  # type: ignore[arg-type]
                elif member.issym() or member.islnk():
                    links.append((name, member.linkname if member.issym() else "/" + member.linkname))
                # devices, fifos: never meaningful in an image archive; ignored
    except (tarfile.TarError, EOFError, OSError, zlib_error()) as err:
        raise BadArchive(f"invalid archive: not a readable tar ({err})") from None
    for name, link in links:  # old docker-archive: <id>/layer.tar -> ../<other>/layer.tar
        resolved = posixpath.normpath(link[1:] if link.startswith("/") else posixpath.join(posixpath.dirname(name), link))
        if resolved.startswith("..") or not (dest / resolved).is_file():
            raise BadArchive(f"invalid archive: link {name!r} points outside the archive")
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        os.link(dest / resolved, dest / name)


def zlib_error() -> type[BaseException]:
    import zlib

    return zlib.error


def _sha256_file(path: Path) -> tuple[str, str]:
    """(digest of the bytes, digest of the uncompressed bytes) of a file; gzip is sniffed by magic."""
    raw, plain = hashlib.sha256(), hashlib.sha256()
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
        f.seek(0)
        while chunk := f.read(CHUNK):
            raw.update(chunk)
        if gz:
            f.seek(0)
            try:
                with gzip.GzipFile(fileobj=f) as z:
                    while chunk := z.read(CHUNK):
                        plain.update(chunk)
            except (OSError, EOFError) as err:
                raise BadArchive(f"invalid archive: layer {path.name} is corrupt ({err})") from None
    return "sha256:" + raw.hexdigest(), "sha256:" + (plain.hexdigest() if gz else raw.hexdigest())


def _verify_blobs(root: Path) -> None:
    """Every blobs/sha256/<hex> must hash to <hex>."""
    blobs = root / "blobs" / "sha256"
    if not blobs.is_dir():
        return
    for path in blobs.iterdir():
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != path.name:
            raise DigestMismatch(f"invalid archive: blob sha256:{path.name} does not match its digest "
                                 f"(got sha256:{digest.hexdigest()})")


def _read_json(root: Path, rel: str) -> Any:
    path = root / _safe_name(rel)
    if not path.is_file():
        raise BadArchive(f"invalid archive: {rel} is missing")
    try:
        return json.loads(path.read_bytes())
    except ValueError as err:
        raise BadArchive(f"invalid archive: {rel} is not JSON ({err})") from None


def _config_and_layers(root: Path, config_rel: str, layer_rels: list[str], blob_types: list[str] | None) -> Candidate:
    config_path = root / _safe_name(config_rel)
    if not config_path.is_file():
        raise BadArchive(f"invalid archive: config {config_rel} is missing")
    raw = config_path.read_bytes()
    config = oci.ImageConfig.from_bytes(raw)
    stem = config_path.name.removesuffix(".json")
    if len(stem) == 64 and oci.sha256_digest(raw)[7:] != stem:
        raise DigestMismatch(f"invalid archive: config {config_rel} does not match its digest")
    if len(config.diff_ids) != len(layer_rels):
        raise BadArchive(f"invalid archive: config names {len(config.diff_ids)} layers, the manifest {len(layer_rels)}")
    layers = []
    for i, (rel, diff_id) in enumerate(zip(layer_rels, config.diff_ids)):
        path = root / _safe_name(rel)
        if not path.is_file():
            raise BadArchive(f"invalid archive: layer {rel} is missing")
        digest, uncompressed = _sha256_file(path)
        if uncompressed != diff_id:
            raise DigestMismatch(f"invalid archive: layer {rel} has diff id {uncompressed}, the config says {diff_id}")
        media = blob_types[i] if blob_types else (oci.OCI_LAYER if digest == uncompressed else oci.OCI_LAYER_GZIP)
        layers.append((path, {"mediaType": media, "digest": digest, "size": path.stat().st_size}))
    return Candidate(raw, layers)


def _docker_archive(root: Path) -> list[Candidate]:
    entries = _read_json(root, "manifest.json")
    if not isinstance(entries, list):
        raise BadArchive("invalid archive: manifest.json is not a list")
    out = []
    for entry in entries:
        cand = _config_and_layers(root, entry.get("Config", ""), list(entry.get("Layers") or []), None)
        cand.tags = [refs.parse(t).tagged_or_latest() for t in entry.get("RepoTags") or []]
        out.append(cand)
    return out


def _manifests(root: Path, index: dict) -> Iterator[tuple[dict, dict]]:
    """(manifest descriptor, manifest) pairs, descending nested indexes; the host platform's only."""
    for desc in index.get("manifests") or []:
        plat = desc.get("platform") or {}
        if plat and (plat.get("os", "linux") != "linux" or plat.get("architecture", "amd64") != "amd64"):
            continue
        oci.validate_digest(desc.get("digest", ""))
        doc = _read_json(root, "blobs/sha256/" + desc["digest"][7:])
        if desc.get("mediaType") in oci.INDEX_TYPES or doc.get("mediaType") in oci.INDEX_TYPES:
            for inner, manifest in _manifests(root, doc):
                merged = dict(inner)
                merged["annotations"] = {**(desc.get("annotations") or {}), **(inner.get("annotations") or {})}
                yield merged, manifest
        else:
            yield desc, doc


def _oci_layout(root: Path) -> list[Candidate]:
    layout = _read_json(root, "oci-layout") if (root / "oci-layout").exists() else {"imageLayoutVersion": "1.0.0"}
    if layout.get("imageLayoutVersion") != "1.0.0":
        raise BadArchive(f"invalid archive: unsupported OCI layout version {layout.get('imageLayoutVersion')!r}")
    by_manifest: dict[str, Candidate] = {}
    for desc, doc in _manifests(root, _read_json(root, "index.json")):
        manifest = oci.Manifest.from_dict(doc)
        cand = by_manifest.get(desc["digest"])
        if cand is None:
            cand = _config_and_layers(root, "blobs/sha256/" + manifest.config.digest[7:],
                                      ["blobs/sha256/" + layer.digest[7:] for layer in manifest.layers],
                                      [layer.media_type for layer in manifest.layers])
            by_manifest[desc["digest"]] = cand
        name = _name_from_annotations(desc.get("annotations") or {})
        if name is not None and name not in cand.tags:
            cand.tags.append(name)
    if not by_manifest:
        raise BadArchive("invalid archive: index.json lists no image for linux/amd64")
    return list(by_manifest.values())


def _name_from_annotations(annotations: dict[str, str]) -> refs.Reference | None:
    """io.containerd.image.name (full name), else a ref.name that is itself a name (skopeo's oci:dir:name:tag)."""
    for key in (oci.ANNOTATION_CONTAINERD_IMAGE_NAME, oci.ANNOTATION_REF_NAME):
        value = annotations.get(key, "")
        if not value or (key == oci.ANNOTATION_REF_NAME and ":" not in value and "/" not in value):
            continue
        try:
            ref = refs.parse(value)
        except InvalidArgument:
            continue
        if ref.tag:
            return ref
    return None


def load(svc: "ImageService", stream: IO[bytes]) -> list[str]:
    """Load an archive; returns Docker's messages ("Loaded image: busybox:latest", "Loaded image ID: sha256:..")."""
    tmp_root = svc.root / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp_root, prefix="load-") as tmp:
        root = Path(tmp)
        _extract(stream, root)
        _verify_blobs(root)
        if (root / "manifest.json").is_file():
            candidates = _docker_archive(root)
        elif (root / "index.json").is_file():
            candidates = _oci_layout(root)
        else:
            raise BadArchive("invalid archive: neither manifest.json (docker-archive) nor index.json (OCI layout) found")
        return _commit(svc, candidates)


def _commit(svc: "ImageService", candidates: list[Candidate]) -> list[str]:
    written: list[str] = []
    messages: list[str] = []
    try:
        for cand in candidates:
            for path, desc in cand.layers:
                if not svc.blobs.has(desc["digest"]):
                    with open(path, "rb") as f:
                        svc.blobs.write(f, expected=desc["digest"], ref=f"load-{uuid.uuid4().hex[:8]}")
                    written.append(desc["digest"])
        with svc.lock:
            for cand in candidates:
                image = svc.register(cand.config, [d for _, d in cand.layers])
                for tag in cand.tags:
                    old = svc.store.lookup(tag)
                    if old and old != image.id:
                        messages.append(f"The image {tag.familiar()} already exists, renaming the old one "
                                        f"with ID {old} to empty string")
                    svc.set_tag(tag, image.id)
                    messages.append(f"Loaded image: {tag.familiar()}")
                if not cand.tags:
                    messages.append(f"Loaded image ID: {image.id}")
    except (MinidockerError, OSError):
        for digest in written:
            if not any(d["digest"] == digest for img in svc.store.all() for d in img.layers):
                svc.blobs.delete(digest)
        raise
    return messages
