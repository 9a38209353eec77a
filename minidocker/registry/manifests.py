"""A pushed manifest is validated whole before anything is stored (cf. distribution registry/storage/ocimanifesthandler.go, manifestlisthandler.go).

The checks, in order: JSON object, media type (the Content-Type and the document's own `mediaType` agree,
and it is a type this registry stores), schemaVersion 2, the digest in the URL matches the bytes (by
that digest's algorithm), every descriptor well formed, every blob an image manifest names is in the
repository with the size it says, every manifest an index names is stored in the repository. A
`subject` may name a manifest not pushed yet (distribution-spec 1.1: referrers may come first).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..oci.image import INDEX_TYPES, OCI_INDEX, OCI_MANIFEST
from ..oci.image import MANIFEST_TYPES as IMAGE_TYPES
from . import digests
from .errcodes import DigestInvalid, ManifestBlobUnknown, ManifestInvalid, ManifestUnknown
from .storage import Storage, check_tag

MANIFEST_TYPES = IMAGE_TYPES | INDEX_TYPES  # what this registry stores (no schema1)
# layers that live elsewhere by definition (image-spec "non-distributable", Docker's foreign layers)
ELSEWHERE = ("nondistributable", "foreign")


@dataclass
class Manifest:
    """A manifest that passed every check: what storage needs to keep it."""

    data: bytes
    media_type: str
    digest: str
    tags: list[str]
    subject: str | None
    descriptor: dict = field(default_factory=dict)


def _descriptor(d: object, where: str) -> dict:
    if not isinstance(d, dict) or not isinstance(d.get("mediaType"), str) or not isinstance(d.get("digest"), str) \
            or not isinstance(d.get("size"), int) or isinstance(d.get("size"), bool) or d["size"] < 0:
        raise ManifestInvalid(f"manifest invalid: {where} is not a descriptor (mediaType, digest, size)", {"field": where})
    if not digests.supported(d["digest"]):
        raise DigestInvalid(f"manifest invalid: {where} has digest {d['digest']!r} (sha256 and sha512 are supported)",
                            {"field": where, "digest": d["digest"]})
    return d


def media_type_of(doc: dict, content_type: str) -> str:
    declared = doc.get("mediaType")
    content_type = content_type.split(";")[0].strip()
    if declared is not None and not isinstance(declared, str):
        raise ManifestInvalid("manifest invalid: mediaType is not a string")
    if declared and content_type and content_type in MANIFEST_TYPES and content_type != declared:
        raise ManifestInvalid(f"manifest invalid: Content-Type {content_type} but mediaType {declared}")
    media_type = declared or content_type
    if media_type not in MANIFEST_TYPES:
        if not declared and "manifests" in doc:
            media_type = OCI_INDEX  # image-spec: mediaType is optional in an OCI index and manifest
        elif not declared and "config" in doc:
            media_type = OCI_MANIFEST
        else:
            raise ManifestInvalid(f"manifest invalid: unsupported media type {media_type!r}", {"mediaType": media_type})
    return media_type


def describe(doc: dict, media_type: str, digest: str, size: int) -> dict:
    """The descriptor the referrers API lists: artifactType (else the config's mediaType) and annotations."""
    descriptor = {"mediaType": media_type, "digest": digest, "size": size}
    artifact = doc.get("artifactType") or (media_type in IMAGE_TYPES and (doc.get("config") or {}).get("mediaType"))
    if artifact:
        descriptor["artifactType"] = artifact
    if doc.get("annotations"):
        descriptor["annotations"] = doc["annotations"]
    return descriptor


def validate(store: Storage, name: str, reference: str, data: bytes, content_type: str, tags: list[str]) -> Manifest:
    """Every check, or the first error; nothing is written here."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise ManifestInvalid("manifest invalid: not JSON") from None
    if not isinstance(doc, dict):
        raise ManifestInvalid("manifest invalid: not a JSON object")
    media_type = media_type_of(doc, content_type)
    if doc.get("schemaVersion") != 2:
        raise ManifestInvalid("manifest invalid: schemaVersion must be 2", {"schemaVersion": doc.get("schemaVersion")})
    if ":" in reference:
        algorithm, _ = digests.check(reference)
        digest = digests.of(data, algorithm)
        if digest != reference:
            raise DigestInvalid("manifest digest did not match: the body hashes to another digest",
                                {"digest": reference, "actual": digest})
    else:
        tags = [check_tag(reference), *tags]
        digest = digests.of(data)
    for tag in tags:
        check_tag(tag)
    if media_type in IMAGE_TYPES:
        _check_image(store, name, doc)
    else:
        _check_index(store, name, doc)
    subject = None
    if doc.get("subject") is not None:
        subject = _descriptor(doc["subject"], "subject")["digest"]
    if doc.get("annotations") is not None and not (isinstance(doc["annotations"], dict)
                                                   and all(isinstance(v, str) for v in doc["annotations"].values())):
        raise ManifestInvalid("manifest invalid: annotations must map strings to strings")
    return Manifest(data, media_type, digest, tags, subject, describe(doc, media_type, digest, len(data)))


def _check_image(store: Storage, name: str, doc: dict) -> None:
    config = _descriptor(doc.get("config"), "config")
    layers = doc.get("layers")
    if not isinstance(layers, list):
        raise ManifestInvalid("manifest invalid: layers must be a list")
    wanted = [("config", config)] + [(f"layers[{i}]", _descriptor(l, f"layers[{i}]")) for i, l in enumerate(layers)]
    for where, d in wanted:
        if any(word in d["mediaType"] for word in ELSEWHERE):
            continue
        if not store.has_blob(name, d["digest"]):
            raise ManifestBlobUnknown(f"blob unknown to registry: {d['digest']} ({where})", {"digest": d["digest"]})
        size = store.blob_path(d["digest"]).stat().st_size
        if size != d["size"]:
            raise ManifestInvalid(f"manifest invalid: {where} says {d['size']} bytes, the blob has {size}",
                                  {"digest": d["digest"], "size": size})


def _check_index(store: Storage, name: str, doc: dict) -> None:
    manifests = doc.get("manifests")
    if not isinstance(manifests, list):
        raise ManifestInvalid("manifest invalid: manifests must be a list")
    for i, m in enumerate(manifests):
        d = _descriptor(m, f"manifests[{i}]")
        try:
            store.resolve(name, d["digest"])
        except ManifestUnknown:
            raise ManifestBlobUnknown(f"manifest unknown to registry: {d['digest']} (manifests[{i}])",
                                      {"digest": d["digest"]}) from None
