"""Unpacking crafted, hostile and ordinary layer tars (no root needed): the rules of DESIGN.md section 5."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from minidocker.containerd.archive import WhiteoutMode, apply_tar, tar_bytes
from minidocker.errors import InvalidArgument


def craft(*entries: tuple) -> bytes:
    """A tar from (name, kind, payload[, mode]) tuples; kind: file, dir, sym, link, chr, fifo."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, payload, *rest in entries:
            info = tarfile.TarInfo(name)
            info.uid, info.gid = os.geteuid(), os.getegid()
            info.mtime = 1_600_000_000
            info.mode = rest[0] if rest else (0o755 if kind == "dir" else 0o644)
            data = None
            if kind == "file":
                data = payload if isinstance(payload, bytes) else payload.encode()
                info.size = len(data)
            else:
                info.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE, "link": tarfile.LNKTYPE,
                             "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE}[kind]
                if kind in ("sym", "link"):
                    info.linkname = payload
                if kind in ("chr", "blk"):
                    info.devmajor, info.devminor = payload
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    """(root to unpack into, an 'outside' directory that must never be touched)."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    return root, outside


def untar(data: bytes, root: Path, mode: WhiteoutMode = WhiteoutMode.DELETE):
    return apply_tar(io.BytesIO(data), root, mode)


def test_plain_layer_unpacks_and_diff_id_is_sha256_of_the_tar(dirs):
    root, _ = dirs
    data = craft(("etc", "dir", None), ("etc/hostname", "file", "box\n"), ("bin", "dir", None),
                 ("bin/sh", "file", "#!", 0o755), ("bin/ash", "link", "bin/sh"), ("usr", "sym", "/"))
    applied = untar(data, root)
    assert applied.diff_id == "sha256:" + hashlib.sha256(data).hexdigest()
    assert applied.size == len(data)
    assert (root / "etc/hostname").read_text() == "box\n"
    assert os.path.samefile(root / "bin/sh", root / "bin/ash")
    assert os.readlink(root / "usr") == "/"
    assert stat.S_IMODE(os.stat(root / "bin/sh").st_mode) == 0o755
    assert int(os.stat(root / "etc").st_mtime) == 1_600_000_000  # dir times set after their children


def test_gzip_layer_is_detected_by_magic_and_diff_id_is_of_the_uncompressed_tar(dirs):
    root, _ = dirs
    data = craft(("a", "file", "x"))
    applied = untar(gzip.compress(data), root)
    assert applied.diff_id == "sha256:" + hashlib.sha256(data).hexdigest()
    assert (root / "a").read_text() == "x"


@pytest.mark.parametrize("name", ["../evil", "a/../../evil", "..", "./../evil"])
def test_dotdot_escaping_the_root_is_refused(dirs, name):
    root, outside = dirs
    with pytest.raises(InvalidArgument, match="escapes"):
        untar(craft((name, "file", "x")), root)
    assert not (root.parent / "evil").exists()


def test_dotdot_that_stays_inside_is_cleaned(dirs):
    root, _ = dirs
    untar(craft(("a", "dir", None), ("a/../b", "file", "x")), root)
    assert (root / "b").read_text() == "x"


def test_absolute_names_are_made_relative_to_the_root(dirs):
    root, outside = dirs
    target = outside / "abs"
    untar(craft((str(target), "file", "x")), root)
    assert not target.exists()
    assert (root / str(target).lstrip("/")).read_text() == "x"


@pytest.mark.parametrize("link", ["ABS", "../../../../../../../..", "../outside", "ABS/."])
def test_writing_through_a_symlink_never_leaves_the_root(dirs, link):
    root, outside = dirs
    link = link.replace("ABS", str(outside))
    untar(craft(("evil", "sym", link), ("evil/pwned", "file", "x")), root)
    assert list(outside.iterdir()) == []
    assert os.readlink(root / "evil") == link  # the link itself is kept as written
    found = [p for p in root.rglob("pwned")]
    assert len(found) == 1 and found[0].read_text() == "x"  # resolved as if root were "/"


def test_symlink_chain_through_parent_is_resolved_inside(dirs):
    root, outside = dirs
    untar(craft(("a", "dir", None), ("a/up", "sym", "../../.."), ("a/up/b", "dir", None),
                ("a/up/b/c", "file", "x")), root)
    assert (root / "b/c").read_text() == "x"
    assert list(outside.iterdir()) == []


def test_symlink_loop_is_refused(dirs):
    root, _ = dirs
    with pytest.raises(InvalidArgument, match="symbolic links"):
        untar(craft(("l1", "sym", "l2"), ("l2", "sym", "l1"), ("l1/x", "file", "x")), root)


def test_file_replacing_a_symlink_replaces_the_link_not_its_target(dirs):
    root, outside = dirs
    victim = outside / "victim"
    victim.write_text("safe")
    untar(craft(("f", "sym", str(victim)), ("f", "file", "overwritten")), root)
    assert victim.read_text() == "safe"
    assert (root / "f").read_text() == "overwritten" and not (root / "f").is_symlink()


@pytest.mark.parametrize("linkname", ["OUT/secret", "../outside/secret", "../../secret"])
def test_hardlink_to_outside_is_refused(dirs, linkname):
    root, outside = dirs
    (outside / "secret").write_text("s")
    with pytest.raises(InvalidArgument):
        untar(craft(("stolen", "link", linkname.replace("OUT", str(outside)))), root)
    assert not (root / "stolen").exists()
    assert os.stat(outside / "secret").st_nlink == 1


def test_hardlink_through_a_symlinked_dir_to_outside_is_refused(dirs):
    root, outside = dirs
    (outside / "secret").write_text("s")
    untar(craft(("d", "sym", str(outside))), root)
    with pytest.raises(InvalidArgument):
        untar(craft(("stolen", "link", "d/secret")), root)
    assert os.stat(outside / "secret").st_nlink == 1


def test_hardlink_to_a_directory_is_refused(dirs):
    root, _ = dirs
    with pytest.raises(InvalidArgument):
        untar(craft(("d", "dir", None), ("x", "link", "d")), root)


def test_device_nodes_are_skipped_and_fifos_kept(dirs):
    root, _ = dirs
    applied = untar(craft(("dev", "dir", None), ("dev/sda", "blk", (8, 0)), ("dev/mem", "chr", (1, 1)),
                          ("dev/null0", "chr", (0, 0)), ("p", "fifo", None)), root)
    assert sorted(applied.skipped) == ["dev/mem", "dev/null0", "dev/sda"]
    assert os.listdir(root / "dev") == []
    assert stat.S_ISFIFO(os.lstat(root / "p").st_mode)


def test_setuid_setgid_and_sticky_bits_are_kept(dirs):
    root, _ = dirs
    untar(craft(("su", "file", "x", 0o4755), ("sg", "file", "x", 0o2755), ("tmp", "dir", None, 0o1777)), root)
    assert stat.S_IMODE(os.stat(root / "su").st_mode) == 0o4755
    assert stat.S_IMODE(os.stat(root / "sg").st_mode) == 0o2755
    assert stat.S_IMODE(os.stat(root / "tmp").st_mode) == 0o1777


def test_trusted_xattrs_in_a_tar_are_ignored(dirs):
    root, _ = dirs
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("d")
        info.type = tarfile.DIRTYPE
        info.pax_headers = {"SCHILY.xattr.trusted.overlay.redirect": "/etc", "SCHILY.xattr.user.note": "hi"}
        tar.addfile(info)
    untar(buf.getvalue(), root)
    assert os.getxattr(root / "d", "user.note") == b"hi"
    with pytest.raises(OSError):
        os.getxattr(root / "d", "trusted.overlay.redirect")


def test_whiteouts_delete_in_a_flat_directory(dirs):
    root, _ = dirs
    untar(craft(("a", "dir", None), ("a/x", "file", "1"), ("a/y", "file", "2"), ("gone", "dir", None),
                ("gone/deep", "file", "3")), root)
    untar(craft(("a/.wh.x", "file", ""), (".wh.gone", "file", ""), (".wh.never-existed", "file", ""),
                ("nodir/.wh.z", "file", "")), root)
    assert sorted(os.listdir(root)) == ["a"]
    assert os.listdir(root / "a") == ["y"]


def test_opaque_marker_empties_the_dir_except_this_layers_entries(dirs):
    root, _ = dirs
    untar(craft(("o", "dir", None), ("o/old1", "file", "1"), ("o/old2", "dir", None)), root)
    untar(craft(("o", "dir", None), ("o/new", "file", "n"), ("o/.wh..wh..opq", "file", "")), root)
    assert os.listdir(root / "o") == ["new"]


def test_whiteout_of_dot_dot_is_refused(dirs):
    root, _ = dirs
    with pytest.raises(InvalidArgument):
        untar(craft(("a", "dir", None), ("a/.wh...", "file", "")), root)


def test_corrupt_tar_is_a_clear_error(dirs):
    root, _ = dirs
    data = craft(("a", "file", "x" * 2000))
    with pytest.raises(InvalidArgument, match="invalid layer tar"):
        untar(gzip.compress(data)[:-40], root)
    with pytest.raises(InvalidArgument, match="invalid layer tar"):
        untar(b"\x00garbage" * 100 + data[512:], root)


def test_directory_replaces_file_and_file_replaces_directory(dirs):
    root, _ = dirs
    untar(craft(("x", "file", "f"), ("y", "dir", None), ("y/inner", "file", "i")), root)
    untar(craft(("x", "dir", None), ("x/in", "file", "1"), ("y", "file", "now a file")), root)
    assert (root / "x/in").read_text() == "1"
    assert (root / "y").read_text() == "now a file"


def test_existing_directory_is_merged_not_replaced(dirs):
    root, _ = dirs
    untar(craft(("d", "dir", None), ("d/a", "file", "a")), root)
    untar(craft(("d", "dir", None, 0o700), ("d/b", "file", "b")), root)
    assert sorted(os.listdir(root / "d")) == ["a", "b"]
    assert stat.S_IMODE(os.stat(root / "d").st_mode) == 0o700


def test_pack_then_unpack_round_trips_a_tree(dirs, busybox_rootfs: Path):
    root, _ = dirs
    data = tar_bytes(busybox_rootfs)
    untar(data, root)
    assert tar_bytes(root) == data


@pytest.mark.parametrize("fmt", ["gnu", "posix", "ustar"])
def test_tars_written_by_gnu_tar_unpack_to_the_same_tree(tmp_path: Path, busybox_rootfs: Path, fmt: str):
    import shutil
    import subprocess

    if shutil.which("tar") is None:
        pytest.skip("GNU tar not installed")
    deep = busybox_rootfs / "usr" / ("long-directory-name-" * 4) / ("and-a-longer-file-name-" * 3)
    deep.parent.mkdir(parents=True)
    deep.write_text("past the 100-byte ustar name field" if fmt != "ustar" else "")
    if fmt == "ustar":
        deep.unlink()
        deep.parent.rmdir()
    data = subprocess.run(["tar", f"--format={fmt}", "-C", str(busybox_rootfs), "-cf", "-", "."],
                          check=True, capture_output=True).stdout
    out = tmp_path / "out"
    out.mkdir()
    applied = untar(data, out)
    assert applied.size == len(data)
    assert tar_bytes(out, mtime=0, owner=(0, 0)) == tar_bytes(busybox_rootfs, mtime=0, owner=(0, 0))
