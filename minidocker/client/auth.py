"""Registry credentials kept by `minidocker login`, as docker keeps them in ~/.docker/config.json (cf. docker/cli cli/config/configfile).

The file is $MINIDOCKER_CONFIG/config.json (default ~/.minidocker/config.json), mode 0600, written to a
temporary name and renamed. Entries are {"auths": {"<registry>": {"auth": base64("user:password")}}};
Docker Hub's key is "https://index.docker.io/v1/", as docker writes it.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

INDEX_SERVER = "https://index.docker.io/v1/"


def config_path() -> Path:
    base = os.environ.get("MINIDOCKER_CONFIG")
    return Path(base) / "config.json" if base else Path.home() / ".minidocker" / "config.json"


def load() -> dict[str, Any]:
    try:
        return json.loads(config_path().read_text())
    except (OSError, ValueError):
        return {}


def save(config: dict[str, Any]) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    from ..linux.atomicfile import write_atomic

    write_atomic(path, json.dumps(config, indent="\t").encode(), mode=0o600)


def registry_of(reference: str) -> str:
    """The registry part of an image reference: localhost:5000/x -> localhost:5000; busybox -> Docker Hub."""
    first, sep, _ = reference.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first
    return INDEX_SERVER


def credentials(registry: str) -> dict[str, str] | None:
    """The stored {"username", "password", "serveraddress"} for a registry, or None."""
    entry = (load().get("auths") or {}).get(registry)
    if not entry or not entry.get("auth"):
        return None
    user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
    return {"username": user, "password": password, "serveraddress": registry}


def store(registry: str, username: str, password: str) -> None:
    config = load()
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    config.setdefault("auths", {})[registry] = {"auth": auth}
    save(config)


def forget(registry: str) -> bool:
    config = load()
    if registry not in (config.get("auths") or {}):
        return False
    del config["auths"][registry]
    save(config)
    return True
