"""Registry credentials kept by `minidocker login`, as docker keeps them in ~/.docker/config.json (cf. docker/cli cli/config/configfile).

The file is $MINIDOCKER_CONFIG/config.json (default ~/.minidocker/config.json), mode 0600, written to a
temporary name and renamed. Entries are {"auths": {"<registry>": {"auth": base64("user:password")}}};
Docker Hub's key is "https://index.docker.io/v1/", as docker writes it.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from pathlib import Path
    from typing import Any

INDEX_SERVER = "https://index.docker.io/v1/"


def config_file() -> str:
    base = os.environ.get("MINIDOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".minidocker")
    return os.path.join(base, "config.json")


def config_path() -> Path:
    from pathlib import Path

    return Path(config_file())


def load() -> dict[str, Any]:
    """The config file's JSON, {} when it is missing or unreadable (read on every attach: detachKeys)."""
    from ..jsonfast import loads

    try:
        with open(config_file(), "rb") as f:
            return loads(f.read())
    except (OSError, ValueError):
        return {}


def save(config: dict[str, Any]) -> None:
    import json

    from ..linux.atomicfile import write_atomic

    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
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
    import base64

    user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
    return {"username": user, "password": password, "serveraddress": registry}


def store(registry: str, username: str, password: str) -> None:
    import base64

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
