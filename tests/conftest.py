"""Shared fixtures: an isolated engine root per test, a busybox root filesystem, root-only marks."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from minidocker import baseimage, paths

# Notebooks under tests/fixtures are inputs of tests (a learner's wrong answer, a corrupt submission), run
# by those tests through the grader: nbval must not collect them as notebooks of the course.
collect_ignore_glob = ["fixtures/*"]


def pytest_collection_modifyitems(config, items):
    """Tests marked `root` need root and a real kernel: skipped, saying why, when not root."""
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason="needs root (namespaces, mounts, cgroups)")
    for item in items:
        if "root" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def md_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh MINIDOCKER_ROOT for one test, so engines never collide."""
    root = tmp_path / "mdroot"
    root.mkdir()
    monkeypatch.setenv(paths.ENV_ROOT, str(root))
    return root


@pytest.fixture(scope="session")
def busybox_rootfs_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pristine busybox root filesystem per test session (never handed out directly)."""
    return baseimage.make_rootfs(tmp_path_factory.mktemp("busybox") / "rootfs")


@pytest.fixture
def busybox_rootfs(busybox_rootfs_master: Path, tmp_path: Path) -> Path:
    """A private copy of the busybox root filesystem (hard links kept) that a test may change."""
    dest = tmp_path / "rootfs"
    subprocess.run(["cp", "-a", str(busybox_rootfs_master), str(dest)], check=True)
    return dest
