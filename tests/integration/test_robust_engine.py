"""Issue 9 point 6: what broke the engine for every client (deep trees, corrupt records, bad bodies, ...) now cannot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine
from minidocker.linux.removeall import remove_all

pytestmark = pytest.mark.root

DEEP = "i=0; while [ $i -lt 1200 ]; do mkdir a && cd a || exit 1; i=$((i+1)); done; echo made"


def snapshot_dirs(engine) -> list[str]:
    return os.listdir(engine.root / "lib" / "containerd" / "snapshots" / "overlayfs" / "snapshots")


def test_rm_of_a_container_with_a_1200_level_deep_directory_leaves_nothing(engine):
    assert engine.cli("run", "--rm", "busybox", "true").returncode == 0  # the image's layers unpacked
    before = snapshot_dirs(engine)
    out = engine.cli("run", "--name", "deep", "busybox", "sh", "-c", DEEP, timeout=120)
    assert out.returncode == 0 and "made" in out.stdout, out.stderr
    assert len(snapshot_dirs(engine)) == len(before) + 1
    rm = engine.cli("rm", "deep")
    assert rm.returncode == 0, rm.stderr + engine.logs()
    assert sorted(snapshot_dirs(engine)) == sorted(before)
    assert not [n for n in snapshot_dirs(engine) if n.startswith("rm-")]


def test_course_reset_removes_a_root_holding_a_deep_tree(tmp_path):
    root = tmp_path / "course" / "chdeep"
    d = root / "lib" / "x"
    d.mkdir(parents=True)
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(1200):
        os.mkdir("a", dir_fd=fd)
        nfd = os.open("a", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    os.close(fd)
    try:
        out = subprocess.run([sys.executable, "-m", "minidocker.course", "reset", str(root.parent)],
                             capture_output=True, text=True, timeout=120)
    finally:
        remove_all(root)  # pytest's clean-up of old temp dirs would trip on it
    assert out.returncode == 0, out.stderr
    assert not root.exists()
