"""What a pushed manifest refers to must already be in the repository (cf. distribution registry/storage/manifeststore.go)."""

from __future__ import annotations

from .storage import Storage

INDEX_TYPES = {"application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"}


def check_references(store: Storage, name: str, doc: dict, media_type: str) -> str | None:
    """The first referenced digest this repository lacks (config and layers, or an index's manifests), else None."""
    if media_type in INDEX_TYPES:
        wanted = [m.get("digest", "") for m in doc.get("manifests") or []]
        for digest in wanted:
            try:
                store.resolve(name, digest)
            except Exception:
                return digest
        return None
    wanted = [(doc.get("config") or {}).get("digest", "")]
    # foreign (non-distributable) layers live elsewhere by definition: not required here
    wanted += [l.get("digest", "") for l in doc.get("layers") or [] if "foreign" not in l.get("mediaType", "")
               and "nondistributable" not in l.get("mediaType", "")]
    for digest in wanted:
        try:
            if not store.has_blob(name, digest):
                return digest
        except Exception:
            return digest
    return None
