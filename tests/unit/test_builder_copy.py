"""COPY/ADD sources from the context, the checksum that keys the cache, and the layer they make."""

import io
import tarfile

import pytest

from minidocker.dockerd.builder.context import BuildContext
from minidocker.dockerd.builder.copy import LayerWriter, copy_into_layer
from minidocker.errors import InvalidArgument


@pytest.fixture
def ctx(tmp_path):
    root = tmp_path / "ctx"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "a.txt").write_text("A")
    (root / "b.txt").write_text("B")
    (root / "src" / "main.py").write_text("print(1)")
    (root / "src" / "pkg" / "mod.py").write_text("x = 1")
    (root / "script.sh").write_text("#!/bin/sh\n")
    (root / "script.sh").chmod(0o755)
    return BuildContext(root)


def layer(ctx, patterns, dest, dirs=(), is_add=False, uid=0, gid=0):
    buf = io.BytesIO()
    writer = LayerWriter(buf, uid, gid)
    sources = [s for p in patterns for s in ctx.match(p)]
    copy_into_layer(ctx, sources, dest, is_add=is_add, dest_is_dir=lambda d: d in dirs, writer=writer)
    writer.close()
    buf.seek(0)
    with tarfile.open(fileobj=buf) as tar:
        return {m.name: (m.type, m.mode, m.uid, tar.extractfile(m).read() if m.isreg() else None) for m in tar}


def test_a_file_to_a_new_name_and_into_an_existing_directory(ctx):
    assert layer(ctx, ["a.txt"], "/etc/conf")["etc/conf"][3] == b"A"
    entries = layer(ctx, ["a.txt"], "/tmp", dirs={"/tmp"})
    assert entries["tmp/a.txt"][3] == b"A" and entries["tmp"][0] == tarfile.DIRTYPE


def test_a_directory_copies_its_contents_and_modes_are_kept(ctx):
    entries = layer(ctx, ["src", "script.sh"], "/app/")
    assert entries["app/main.py"][3] == b"print(1)" and entries["app/pkg/mod.py"][3] == b"x = 1"
    assert "app/src" not in entries
    assert entries["app/script.sh"][1] & 0o777 == 0o755


def test_wildcards_files_belong_to_root_or_chown(ctx):
    entries = layer(ctx, ["*.txt"], "/d/", uid=1000, gid=1001)
    assert {k for k in entries if k.startswith("d/")} == {"d/a.txt", "d/b.txt"}
    assert entries["d/a.txt"][2] == 1000


def test_several_sources_need_a_directory_destination(ctx):
    with pytest.raises(InvalidArgument, match="must be a directory and end with a /"):
        layer(ctx, ["a.txt", "b.txt"], "/d")


def test_missing_and_escaping_sources_are_errors_with_dockers_words(ctx, tmp_path):
    (tmp_path / "secret").write_text("outside")
    with pytest.raises(InvalidArgument, match="file not found in build context"):
        ctx.match("nosuch.txt")
    # "../secret" is cleaned to "secret" inside the context, as Docker does: never the file outside
    with pytest.raises(InvalidArgument, match="file not found in build context"):
        ctx.match("../secret")


def test_checksum_changes_with_one_byte_and_not_otherwise(ctx):
    before = ctx.checksum(ctx.match("src"))
    assert ctx.checksum(ctx.match("src")) == before
    (ctx.root / "src" / "pkg" / "mod.py").write_text("x = 2")
    assert ctx.checksum(ctx.match("src")) != before


def test_add_unpacks_a_local_archive_and_refuses_escapes(ctx, tmp_path):
    def make(name, members):
        path = ctx.root / name
        with tarfile.open(path, "w:gz") as tar:
            for member_name, data in members:
                info = tarfile.TarInfo(member_name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    make("good.tar.gz", [("x/y.txt", b"Y")])
    entries = layer(ctx, ["good.tar.gz"], "/opt", is_add=True)
    assert entries["opt/x/y.txt"][3] == b"Y"
    assert layer(ctx, ["good.tar.gz"], "/opt")["opt"][0] == tarfile.REGTYPE  # COPY never unpacks
    make("evil.tar.gz", [("../../etc/evil", b"E")])
    with pytest.raises(InvalidArgument, match="outside"):
        layer(ctx, ["evil.tar.gz"], "/opt", is_add=True)
