"""The referrers API of distribution-spec 1.1: the manifests whose `subject` is a digest, as an image index (cf. distribution registry/handlers/referrers.go).

`GET /v2/<name>/referrers/<digest>[?artifactType=...]` never answers 404 for a well-formed digest: no
referrers is an empty index. Entries are written when a manifest with a subject is stored (storage.py)
and removed with it. With `artifactType` the list is filtered and `OCI-Filters-Applied: artifactType`
says so. Pages hold at most `page_size` descriptors, in digest order; a fuller list gets a
`Link: <...?last=DIGEST>; rel="next"` header.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from . import digests
from .errcodes import RegistryError
from .manifests import OCI_INDEX
from .storage import Storage

PAGE_SIZE = 500


def listing(store: Storage, name: str, subject: str, artifact_type: str | None = None, last: str | None = None,
            page_size: int | None = None) -> tuple[dict, dict[str, str]]:
    """(the image index, response headers) for one page of a subject's referrers (at most page_size, PAGE_SIZE)."""
    page_size = min(page_size or PAGE_SIZE, PAGE_SIZE)
    if not digests.well_formed(subject):
        digests.check(subject)  # 400 DIGEST_INVALID
    found = []
    folder = store.referrers_dir(name, subject) if digests.supported(subject) else None
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder and folder.exists() else []
    for entry in entries:
        digest = entry.name.replace("-", ":", 1)
        if last and digest <= last:
            continue
        try:
            store.resolve(name, digest)  # deleted since: not a referrer any more
            descriptor = json.loads(entry.read_text())
        except (OSError, ValueError, RegistryError):
            continue
        if artifact_type and descriptor.get("artifactType") != artifact_type:
            continue
        found.append(descriptor)
    headers = {"Content-Type": OCI_INDEX}
    if artifact_type:
        headers["OCI-Filters-Applied"] = "artifactType"
    if len(found) > page_size:
        found = found[:page_size]
        query = {"n": page_size, "last": found[-1]["digest"], **({"artifactType": artifact_type} if artifact_type else {})}
        headers["Link"] = f'</v2/{name}/referrers/{subject}?{urlencode(query)}>; rel="next"'
    return {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": found}, headers
