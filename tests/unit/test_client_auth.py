"""Stored registry credentials (docker's config.json shape) and the X-Registry-Auth they become."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from minidocker.client import auth
from minidocker.client.api.base import registry_auth


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MINIDOCKER_CONFIG", str(tmp_path / "cfg"))
    return tmp_path / "cfg"


@pytest.mark.parametrize("ref, registry", [
    ("busybox", auth.INDEX_SERVER), ("library/busybox:1", auth.INDEX_SERVER), ("user/app", auth.INDEX_SERVER),
    ("localhost/app", "localhost"), ("localhost:5000/app:v1", "localhost:5000"), ("ghcr.io/o/app", "ghcr.io"),
])
def test_registry_of(ref: str, registry: str) -> None:
    assert auth.registry_of(ref) == registry


def test_store_lookup_forget(config_dir: Path) -> None:
    assert auth.credentials("localhost:5000") is None
    auth.store("localhost:5000", "bob", "pa:ss")
    assert auth.credentials("localhost:5000") == {"username": "bob", "password": "pa:ss", "serveraddress": "localhost:5000"}
    path = config_dir / "config.json"
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["auths"]["localhost:5000"]["auth"] == base64.b64encode(b"bob:pa:ss").decode()
    assert auth.forget("localhost:5000") is True
    assert auth.forget("localhost:5000") is False
    assert auth.credentials("localhost:5000") is None


def test_registry_auth_header() -> None:
    assert registry_auth(None) == {"X-Registry-Auth": "e30="}
    header = registry_auth({"username": "u", "password": "p", "serveraddress": "r"})["X-Registry-Auth"]
    assert json.loads(base64.urlsafe_b64decode(header)) == {"username": "u", "password": "p", "serveraddress": "r"}
