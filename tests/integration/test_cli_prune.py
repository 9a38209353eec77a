"""Dangling images, prune and `rmi -f $(minidocker images -qa)` through the CLI (own engine: it empties the store)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture

pytestmark = pytest.mark.root


def _ok(res: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert res.returncode == 0, f"exit {res.returncode}\n{res.stdout}\n{res.stderr}"
    return res


def test_dangling_prune_and_emptying_the_store(engine, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nCOPY f /f\n")
    (tmp_path / "f").write_text("one\n")
    first = _ok(engine.cli("build", "-q", "-t", "prune-me:1", str(tmp_path))).stdout.strip()
    (tmp_path / "f").write_text("two\n")  # rebuilding the tag leaves the first image dangling
    _ok(engine.cli("build", "-q", "-t", "prune-me:1", str(tmp_path)))
    dangling = _ok(engine.cli("images", "-q", "--filter", "dangling=true")).stdout.split()
    assert first.split(":")[1][:12] in dangling
    listing = _ok(engine.cli("images", "--filter", "dangling=true")).stdout.splitlines()
    assert all(line.split()[:2] == ["<none>", "<none>"] for line in listing[1:])

    _ok(engine.cli("create", "--name", "prune-stopped", "busybox", "true"))
    res = _ok(engine.cli("container", "prune", "-f"))
    assert res.stdout.startswith("Deleted Containers:\n") and "Total reclaimed space:" in res.stdout
    assert engine.cli("ps", "-aq").stdout == ""

    res = _ok(engine.cli("image", "prune", "-f"))
    assert f"deleted: {first}" in res.stdout and res.stdout.rstrip().splitlines()[-1].startswith("Total reclaimed")
    assert engine.cli("images", "-q", "--filter", "dangling=true").stdout == ""

    ids = _ok(engine.cli("images", "-qa")).stdout.split()
    assert ids
    _ok(engine.cli("rmi", "-f", *ids))
    assert _ok(engine.cli("images", "-qa")).stdout == ""
    df = _ok(engine.cli("system", "df")).stdout.splitlines()
    assert df[1].split()[:3] == ["Images", "0", "0"]
