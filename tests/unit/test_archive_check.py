"""Tars that could never be unpacked are refused when imported or ADDed, not at the first run of the image."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from images_fixtures import make_service
from minidocker.containerd.archive import check_unpackable
from minidocker.dockerd.builder.copy import LayerWriter
from minidocker.errors import InvalidArgument


def tar_of(*entries: tuple[str, str, str]) -> bytes:
    """entries: (name, kind, data-or-linkname); kind is file, dir, link (hard) or sym."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, kind, data in entries:
            info = tarfile.TarInfo(name)
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                t.addfile(info)
            elif kind == "link":
                info.type, info.linkname = tarfile.LNKTYPE, data
                t.addfile(info)
            elif kind == "sym":
                info.type, info.linkname = tarfile.SYMTYPE, data
                t.addfile(info)
            else:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data.encode()))
    return buf.getvalue()


BAD = {
    "hard link to nothing": tar_of(("a", "file", "x"), ("b", "link", "nosuch")),
    "hard link to a directory": tar_of(("d", "dir", ""), ("b", "link", "d")),
    "file used as a directory": tar_of(("a", "file", "x"), ("a/b", "file", "y")),
}
GOOD = tar_of(("etc", "dir", ""), ("etc/hosts", "file", "127.0.0.1 localhost\n"), ("etc/h2", "link", "etc/hosts"),
              ("bin", "sym", "usr/bin"), ("x", "file", "replaced"), ("x", "dir", ""))


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_check_refuses_what_unpacking_would(tmp_path, case):
    with pytest.raises(InvalidArgument):
        check_unpackable(io.BytesIO(BAD[case]), tmp_path / "scratch")
    assert os.listdir(tmp_path / "scratch") == []  # the scratch unpack is removed


def test_a_sound_tar_passes_and_leaves_nothing(tmp_path):
    check_unpackable(io.BytesIO(GOOD), tmp_path / "scratch")
    assert os.listdir(tmp_path / "scratch") == []


@pytest.mark.parametrize("case", sorted(BAD))
def test_import_refuses_it(tmp_path, case):
    svc, _ = make_service(tmp_path)
    with pytest.raises(InvalidArgument, match="invalid tar archive for import"):
        svc.import_image(io.BytesIO(BAD[case]), repo="bad")
    assert svc.store.all() == []  # nothing registered
    svc.import_image(io.BytesIO(GOOD), repo="good")
    assert len(svc.store.all()) == 1


@pytest.mark.parametrize("case", sorted(BAD))
def test_add_refuses_it(tmp_path, case):
    archive = tmp_path / "x.tar"
    archive.write_bytes(BAD[case])
    writer = LayerWriter(io.BytesIO(), 0, 0)
    with pytest.raises(InvalidArgument, match="ADD failed"):
        writer.add_archive(str(archive), "/dest")
    assert os.listdir(tmp_path) == ["x.tar"]  # the scratch unpack is gone
