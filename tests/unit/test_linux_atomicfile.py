"""write_atomic: readers see the old file or the new one; a full disk leaves the old one and no temporary file."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from minidocker.linux.atomicfile import write_atomic


def test_replaces_the_content_with_exact_mode_whatever_the_umask(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("old")
    old = os.umask(0o077)
    try:
        write_atomic(path, b"new", mode=0o644)
    finally:
        os.umask(old)
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    write_atomic(path, b"secret", mode=0o600)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["state.json"]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch, code):
    path = tmp_path / "state.json"
    path.write_text("old")

    def full(fd, data):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError) as err:
        write_atomic(path, b"x" * 100)
    assert err.value.errno == code
    monkeypatch.undo()
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["state.json"]


def test_a_symlink_planted_at_a_temporary_name_is_never_followed(tmp_path, monkeypatch):
    victim = tmp_path / "victim"
    victim.write_text("keep")
    monkeypatch.setattr(os, "urandom", lambda n: b"\0" * n)
    (tmp_path / f".f.{os.getpid()}.00000000.tmp").symlink_to(victim)
    with pytest.raises(FileExistsError):
        write_atomic(tmp_path / "f", b"evil")
    assert victim.read_text() == "keep"
