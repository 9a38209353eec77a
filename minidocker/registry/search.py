"""Docker Hub's v1 search over the registry's repositories (cf. docker/cli registry search, moby registry/search.go)."""

from __future__ import annotations

import json
import math

from .storage import Storage

DESCRIPTION_LABELS = ("org.opencontainers.image.description", "description")


def _description(store: Storage, name: str) -> str:
    """The newest tag's image description label, if its config says one."""
    try:
        tags = store.tags(name)
        data, _, _ = store.manifest(name, "latest" if "latest" in tags else tags[-1])
        doc = json.loads(data)
        if "manifests" in doc:
            data, _, _ = store.manifest(name, doc["manifests"][0]["digest"])
            doc = json.loads(data)
        config = json.loads(store.blob_path(doc["config"]["digest"]).read_bytes())
        labels = (config.get("config") or {}).get("Labels") or {}
        return next((labels[k] for k in DESCRIPTION_LABELS if k in labels), "")
    except (LookupError, OSError, ValueError, KeyError, Exception):
        return ""


def search(store: Storage, term: str, page_size: int = 25, page: int = 1) -> dict:
    """The search result document: repositories whose name contains the term, as Docker Hub answers."""
    term = term.strip().lower()
    names = [n for n in store.repositories() if term in n.lower()]
    page_size = max(1, min(page_size, 100))
    start = (max(page, 1) - 1) * page_size
    # Docker Hub names official images without their "library/" namespace: busybox, not library/busybox.
    results = [{"name": n[len("library/"):] if n.startswith("library/") else n, "description": _description(store, n),
                "star_count": 0, "is_official": "/" not in n or n.startswith("library/"), "is_automated": False}
               for n in names[start:start + page_size]]
    return {"num_results": len(names), "num_pages": max(1, math.ceil(len(names) / page_size)),
            "page": page, "page_size": page_size, "query": term, "results": results}
