"""Registry settings of the daemon: mirrors and insecure registries, as Docker's daemon.json keeps them (cf. moby registry/config.go).

`<state>/daemon.json` may hold {"registry-mirrors": ["http://127.0.0.1:5000"], "insecure-registries": ["myhost:5000"]};
mirrors are tried first for Docker Hub images only, as Docker does, so `pull busybox` works offline
against the course's registry.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from ... import paths


@dataclass
class RegistryConfig:
    mirrors: list[str] = field(default_factory=list)
    insecure: set[str] = field(default_factory=set)

    @classmethod
    def load(cls) -> "RegistryConfig":
        try:
            doc = json.loads((paths.state_dir() / "daemon.json").read_text())
        except (OSError, ValueError):
            doc = {}
        return cls([m.rstrip("/") for m in doc.get("registry-mirrors") or []], set(doc.get("insecure-registries") or []))


def decode_auth(header: str | None) -> tuple[str, str] | None:
    """X-Registry-Auth: base64url JSON {"username", "password", ...}; "e30=" ({}) means anonymous."""
    if not header:
        return None
    try:
        padded = header + "=" * (-len(header) % 4)
        doc = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError):
        return None
    if doc.get("username"):
        return doc["username"], doc.get("password", "")
    return None
