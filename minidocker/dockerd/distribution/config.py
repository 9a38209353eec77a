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


def write_config(state_dir, mirrors: list[str] | None = None, insecure: list[str] | None = None) -> None:
    """Set registry-mirrors / insecure-registries in <state>/daemon.json, keeping its other keys.

    Read at each pull, so a running daemon picks the change up (Docker needs a reload for this).
    """
    from pathlib import Path

    path = Path(state_dir) / "daemon.json"
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        doc = {}
    if mirrors is not None:
        doc["registry-mirrors"] = mirrors
    if insecure is not None:
        doc["insecure-registries"] = insecure
    tmp = path.with_name(".daemon.json.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    tmp.replace(path)


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
