"""Real overlay stacks from the snapshotter: whiteouts, opaque dirs, diffs and shared layers (root, real kernel)."""

from __future__ import annotations

import errno
import io
import os
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from minidocker import baseimage
from minidocker.containerd.archive import OVERLAY_OPAQUE_XATTR, WhiteoutMode, apply_tar
from minidocker.containerd.content import LocalStore
from minidocker.containerd.diff import DiffService
from minidocker.containerd.snapshots import OverlaySnapshotter
from minidocker.linux.mountall import mount_all, unmount_all
from minidocker.oci import image as oci
from minidocker.oci.mount import Mount

pytestmark = pytest.mark.root


def craft(*entries: tuple[str, str | None]) -> bytes:
    """A layer tar: (name, text) for files, (name, None) for directories."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, text in entries:
            info = tarfile.TarInfo(name)
            if text is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(text), 0o644
                tar.addfile(info, io.BytesIO(text.encode()))
    return buf.getvalue()


class Engine:
    """A content store, an overlay snapshotter and a diff service under one temp dir, and the mounts it made."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = LocalStore(root / "content")
        self.sn = OverlaySnapshotter(root / "overlayfs")
        self.diff = DiffService(self.store)
        self.targets: list[Path] = []

    def unpack(self, name: str, parent: str, data: bytes) -> oci.Descriptor:
        """containerd's unpack: prepare on the parent, apply the layer blob, commit under a name."""
        digest, size = self.store.write_blob(data)
        key = f"extract {name}"
        applied = self.diff.apply(oci.Descriptor(oci.OCI_LAYER_GZIP, digest, size), self.sn.prepare(key, parent))
        self.sn.commit(name, key)
        return applied

    def mount(self, mounts: list[Mount], name: str) -> Path:
        target = self.root / "mnt" / name
        target.mkdir(parents=True)
        self.targets.append(target)
        mount_all(mounts, target)
        return target

    def close(self) -> None:
        for target in reversed(self.targets):
            unmount_all(target)


@pytest.fixture
def eng(tmp_path: Path):
    e = Engine(tmp_path)
    yield e
    e.close()  # runs even when the test failed: no mount outlives its test


def tree(root: Path) -> dict[str, str]:
    """Every path under root -> its content (files), "<dir>" or "-> target"."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            rel = str(p.relative_to(root))
            out[rel] = ("-> " + os.readlink(p)) if p.is_symlink() else "<dir>" if p.is_dir() else p.read_text()
    return out


def test_file_deleted_in_an_upper_layer_is_gone_in_the_merged_view(eng: Engine):
    eng.unpack("l1", "", craft(("a", None), ("a/x", "1"), ("a/y", "2"), ("keep", "k"), ("gone", None),
                               ("gone/deep", "d")))
    eng.unpack("l2", "l1", craft(("a/.wh.x", ""), (".wh.gone", "")))
    upper = eng.sn.upperdir("l2")
    st = os.lstat(upper / "gone")
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == 0  # the OCI whiteout became an overlay whiteout
    assert stat.S_ISCHR(os.lstat(upper / "a" / "x").st_mode)
    merged = eng.mount(eng.sn.prepare("ctr", "l2"), "ctr")
    assert tree(merged) == {"a": "<dir>", "a/y": "2", "keep": "k"}
    assert (eng.sn.upperdir("l1") / "gone" / "deep").exists()  # the lower layer itself is untouched


def test_opaque_directory_hides_the_lower_contents(eng: Engine):
    eng.unpack("l1", "", craft(("o", None), ("o/old", "1"), ("o/sub", None), ("o/sub/f", "2"), ("other", "3")))
    eng.unpack("l2", "l1", craft(("o", None), ("o/.wh..wh..opq", ""), ("o/new", "n")))
    assert os.getxattr(eng.sn.upperdir("l2") / "o", OVERLAY_OPAQUE_XATTR) == b"y"
    merged = eng.mount(eng.sn.view("v", "l2"), "view")
    assert tree(merged) == {"o": "<dir>", "o/new": "n", "other": "3"}


def test_views_are_read_only(eng: Engine):
    eng.unpack("l1", "", craft(("f", "1")))
    eng.unpack("l2", "l1", craft(("g", "2")))
    for key, parent in (("v1", "l1"), ("v2", "l2")):
        merged = eng.mount(eng.sn.view(key, parent), key)
        with pytest.raises(OSError) as err:
            (merged / "new").write_text("x")
        assert err.value.errno == errno.EROFS


def test_diff_of_a_container_then_applied_reproduces_it(eng: Engine):
    eng.unpack("l1", "", craft(("etc", None), ("etc/conf", "old"), ("etc/drop", "x"), ("var", None),
                               ("var/cache", None), ("var/cache/a", "1"), ("var/cache/b", "2")))
    merged = eng.mount(eng.sn.prepare("ctr", "l1"), "ctr")
    (merged / "etc/conf").write_text("new")
    (merged / "etc/drop").unlink()
    subprocess.run(["rm", "-rf", str(merged / "var/cache")], check=True)
    (merged / "var/cache").mkdir()  # the kernel makes this directory opaque
    (merged / "var/cache/c").write_text("3")
    (merged / "added").write_text("+")
    expected = tree(merged)

    layer = eng.diff.compare(eng.sn.view("base-view", "l1"), eng.sn.mounts("ctr"))
    assert layer.descriptor.media_type == oci.OCI_LAYER_GZIP
    with tarfile.open(fileobj=eng.store.read(layer.descriptor.digest), mode="r:gz") as tar:
        names = tar.getnames()
    assert "etc/.wh.drop" in names and "var/cache/.wh..wh..opq" in names and "added" in names
    for i, name in enumerate(names):  # a directory always comes before what it contains
        parent = os.path.dirname(name)
        assert not parent or parent in names[:i]
    again = eng.diff.compare(eng.sn.view("base-view2", "l1"), eng.sn.mounts("ctr"))
    assert again == layer  # deterministic: the same upper gives the same blob

    applied = eng.diff.apply(layer.descriptor, eng.sn.prepare("extract l2", "l1"))
    assert applied.digest == layer.diff_id
    eng.sn.commit("l2", "extract l2")
    assert tree(eng.mount(eng.sn.view("check", "l2"), "check")) == expected


def test_a_shared_base_is_on_disk_once(eng: Engine, busybox_rootfs_master: Path):
    desc = baseimage.write_image(eng.store, busybox_rootfs_master)
    manifest = oci.Manifest.from_bytes(eng.store.read_bytes(desc.digest))
    key = "extract base"
    applied = eng.diff.apply(manifest.layers[0], eng.sn.prepare(key))
    chain = applied.digest  # one layer: the chain ID is the diff_id
    eng.sn.commit(chain, key)
    one = eng.mount(eng.sn.prepare("c1", chain), "c1")
    two = eng.mount(eng.sn.prepare("c2", chain), "c2")
    base_dir = str(eng.sn.upperdir(chain))
    assert eng.sn.mounts("c1")[0].option("lowerdir") == eng.sn.mounts("c2")[0].option("lowerdir") == base_dir
    (one / "tmp" / "mine").write_text("c1 only")
    assert not (two / "tmp" / "mine").exists()
    assert (one / "bin/sh").stat().st_ino == (two / "bin/sh").stat().st_ino  # the very same inode
    base = eng.sn.usage(chain).size
    assert base > 1_000_000 and eng.sn.usage("c2").size < base / 50
    out = subprocess.run(["chroot", str(two), "/bin/sh", "-c", "echo hi from $(basename $0)"],
                         check=True, capture_output=True, text=True).stdout
    assert out.strip() == "hi from sh"


def test_overlay_apply_never_writes_outside_through_a_symlink(eng: Engine, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        link = tarfile.TarInfo("esc")
        link.type, link.linkname = tarfile.SYMTYPE, str(outside)
        tar.addfile(link)
        f = tarfile.TarInfo("esc/pwned")
        tar.addfile(f, io.BytesIO(b""))
    eng.unpack("l1", "", craft(("d", None)))
    sn_key = "extract evil"
    mounts = eng.sn.prepare(sn_key, "l1")
    apply_tar(io.BytesIO(buf.getvalue()), eng.sn.upperdir(sn_key), WhiteoutMode.OVERLAY,
              parents=[m for m in mounts[0].option("lowerdir").split(":")])
    assert list(outside.iterdir()) == []


def test_mount_all_rolls_back_and_bind_ro_is_enforced(eng: Engine, tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("x")
    target = eng.mount([Mount("bind", str(src), ["ro", "rbind"])], "ro")
    assert (target / "f").read_text() == "x"
    with pytest.raises(OSError):
        (target / "g").write_text("y")
    bad = tmp_path / "mnt" / "bad"
    bad.mkdir(parents=True)
    with pytest.raises(OSError):
        mount_all([Mount("bind", str(src), ["rbind"]), Mount("overlay", "overlay", ["lowerdir=/nonexistent"])], bad)
    assert unmount_all(bad) == 0  # the bind made before the failure was undone


def test_an_overlay_too_long_for_mount2_still_mounts(tmp_path: Path):
    long_root = tmp_path / ("x" * 200)  # ~300-byte layer paths: 20 layers exceed mount(2)'s one page of options
    e = Engine(long_root)
    try:
        parent = ""
        for i in range(20):
            e.unpack(f"l{i}", parent, craft((f"f{i}", str(i))))
            parent = f"l{i}"
        mounts = e.sn.prepare("ctr", parent)
        assert len(",".join(mounts[0].options)) > os.sysconf("SC_PAGE_SIZE")
        merged = e.mount(mounts, "ctr")
        assert (merged / "f0").read_text() == "0" and (merged / "f19").read_text() == "19"
        (merged / "new").write_text("upper")
        assert (e.sn.upperdir("ctr") / "new").read_text() == "upper"
    finally:
        e.close()


def test_apply_onto_other_mounts_goes_through_a_temporary_mount(eng: Engine):
    data = craft(("d", None), ("d/f", "x"))
    digest, size = eng.store.write_blob(data)
    applied = eng.diff.apply(oci.Descriptor(oci.OCI_LAYER, digest, size), [Mount("tmpfs", "tmpfs", ["size=1m"])])
    assert applied.digest == digest  # an uncompressed layer: its diff_id is its own digest
    assert "minidocker-apply-" not in Path("/proc/self/mounts").read_text()


def test_file_capabilities_survive_pack_and_unpack(tmp_path: Path):
    from minidocker.containerd.archive import tar_bytes

    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (src / "ping").write_bytes(b"\x7fELF")
    # VFS_CAP_REVISION_2 with cap_net_raw (bit 13) permitted and effective: what `setcap cap_net_raw+ep` writes
    cap = (0x02000001).to_bytes(4, "little") + (1 << 13).to_bytes(4, "little") + bytes(12)
    os.setxattr(src / "ping", "security.capability", cap)
    apply_tar(io.BytesIO(tar_bytes(src)), dst)
    assert os.getxattr(dst / "ping", "security.capability") == cap


def test_a_blob_corrupted_on_disk_is_caught_when_applied(eng: Engine):
    from minidocker.errors import DigestMismatch

    data = craft(("f", "original"))
    digest, size = eng.store.write_blob(data)
    path = eng.store.path(digest)
    os.chmod(path, 0o644)
    path.write_bytes(data.replace(b"original", b"tampered"))  # same size, other bytes
    with pytest.raises(DigestMismatch):
        eng.diff.apply(oci.Descriptor(oci.OCI_LAYER, digest, size), eng.sn.prepare("extract x"))
