"""Packing directories into layer tars: order, normalisation, hard links, special files (no root needed)."""

from __future__ import annotations

import io
import os
import socket
import tarfile
from pathlib import Path

import pytest

from minidocker.containerd.archive import tar_bytes


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "b" / "deep").mkdir(parents=True)
    (root / "a").mkdir()
    (root / "b" / "deep" / "f").write_text("f")
    (root / "z").write_text("z")
    os.link(root / "z", root / "a" / "z-link")
    os.symlink("/etc/passwd", root / "abs-link")
    os.mkfifo(root / "fifo")
    os.chmod(root / "z", 0o4755)
    return root


def members(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return tar.getmembers()


def test_sorted_directories_first_and_no_root_entry(tree: Path):
    names = [m.name for m in members(tar_bytes(tree))]
    assert names == ["a", "a/z-link", "abs-link", "b", "b/deep", "b/deep/f", "fifo", "z"]


def test_types_links_and_modes(tree: Path):
    by = {m.name: m for m in members(tar_bytes(tree))}
    assert by["a"].isdir() and by["abs-link"].issym() and by["abs-link"].linkname == "/etc/passwd"
    assert by["a/z-link"].isreg() and by["z"].islnk() and by["z"].linkname == "a/z-link"  # first seen is the file
    assert by["fifo"].isfifo()
    assert by["a/z-link"].mode == 0o4755  # setuid kept
    assert all(m.uname == "" and m.gname == "" for m in by.values())


def test_sockets_are_left_out(tree: Path):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(tree / "sock"))
        assert "sock" not in [m.name for m in members(tar_bytes(tree))]
    finally:
        s.close()


def test_normalised_output_is_byte_identical_after_touching_times(tree: Path):
    first = tar_bytes(tree, mtime=0, owner=(0, 0))
    for p in tree.rglob("*"):
        if not p.is_symlink():
            os.utime(p, (12345, 12345))
    assert tar_bytes(tree, mtime=0, owner=(0, 0)) == first
    assert tar_bytes(tree) != first  # without normalisation the real times are kept
    assert {(m.mtime, m.uid, m.gid) for m in members(first)} == {(0, 0, 0)}


def test_times_are_whole_seconds(tree: Path):
    os.utime(tree / "z", ns=(1_700_000_000_999_999_999, 1_700_000_000_999_999_999))
    by = {m.name: m for m in members(tar_bytes(tree))}
    assert by["a/z-link"].mtime == 1_700_000_000
