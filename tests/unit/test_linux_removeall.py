"""remove_all: iterative and fd-based, so depth never stops it and symlinks inside are never followed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from minidocker.containerd.snapshots import OverlaySnapshotter
from minidocker.linux.removeall import KEEP_OPEN, remove_all

DEPTH = 1200  # deeper than Python's default recursion limit (1000): shutil.rmtree of 3.11 gives up


@pytest.fixture(autouse=True)
def _never_leave_a_deep_tree(tmp_path):
    """pytest's own clean-up of old temp dirs uses shutil.rmtree: a deep tree left there would break it."""
    yield
    remove_all(tmp_path)


def deep_tree(top: Path, depth: int = DEPTH) -> Path:
    """`mkdir -p a/a/a/...` made with openat, as a process inside a container can (paths beyond PATH_MAX too)."""
    top.mkdir(parents=True, exist_ok=True)
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for i in range(depth):
            os.mkdir("a", dir_fd=fd)
            if i % 100 == 0:
                with open(os.open("f", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd), "w") as f:
                    f.write("x")
            nfd = os.open("a", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
    finally:
        os.close(fd)
    return top


class FdTracker:
    """Descriptors remove_all opens and closes (counted through os.open/os.close, not /proc: other
    threads of the test process open descriptors too)."""

    def __init__(self, monkeypatch) -> None:
        self.live: set[int] = set()
        self.peak = 0
        real_open, real_close = os.open, os.close

        def tracked_open(*a, **kw):
            fd = real_open(*a, **kw)
            self.live.add(fd)
            self.peak = max(self.peak, len(self.live))
            return fd

        def tracked_close(fd):
            self.live.discard(fd)
            real_close(fd)

        monkeypatch.setattr(os, "open", tracked_open)
        monkeypatch.setattr(os, "close", tracked_close)


def test_a_tree_deeper_than_the_recursion_limit_is_removed(tmp_path, monkeypatch):
    top = deep_tree(tmp_path / "deep")
    fds = FdTracker(monkeypatch)
    remove_all(top)
    assert not top.exists()
    assert fds.live == set()  # every descriptor closed again
    assert fds.peak <= KEEP_OPEN + 1  # bounded whatever the depth


def test_the_stdlib_rmtree_really_fails_on_that_tree(tmp_path):
    """The reason remove_all exists: this is what `rm` of such a container hit."""
    top = deep_tree(tmp_path / "deep")
    with pytest.raises(RecursionError):
        shutil.rmtree(top)
    remove_all(top)


def test_symlinks_inside_are_removed_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("precious")
    top = tmp_path / "tree"
    (top / "sub").mkdir(parents=True)
    (top / "sub" / "to-dir").symlink_to(outside)
    (top / "to-file").symlink_to(outside / "keep")
    os.mkfifo(top / "fifo")
    remove_all(top)
    assert not top.exists()
    assert (outside / "keep").read_text() == "precious"


def test_a_symlink_at_the_top_is_unlinked_and_a_missing_path_is_fine(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    (target / "f").write_text("x")
    link = tmp_path / "link"
    link.symlink_to(target)
    remove_all(link)
    assert not os.path.lexists(link) and (target / "f").exists()
    remove_all(tmp_path / "never-was")


def test_removing_a_snapshot_with_a_deep_tree_leaves_no_rm_dir(tmp_path):
    sn = OverlaySnapshotter(tmp_path / "overlayfs")
    sn.prepare("c1")
    deep_tree(sn.upperdir("c1") / "x")
    sn.remove("c1")
    assert os.listdir(tmp_path / "overlayfs" / "snapshots") == []
