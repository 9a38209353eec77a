"""The overlay snapshotter's bookkeeping and mount shapes, without mounting anything (no root needed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from minidocker.containerd.snapshots import Kind, OverlaySnapshotter, Snapshotter
from minidocker.errors import Conflict, InvalidArgument, NotFound
from minidocker.oci.mount import Mount


@pytest.fixture
def sn(tmp_path: Path) -> OverlaySnapshotter:
    return OverlaySnapshotter(tmp_path / "overlayfs")


def fs(sn: OverlaySnapshotter, key: str) -> str:
    return str(sn.upperdir(key))


def layer(sn: OverlaySnapshotter, name: str, parent: str = "", files: dict[str, str] | None = None) -> None:
    """Prepare, fill through the upper directory, commit: how an unpacked layer comes to be."""
    key = f"extract {name}"
    sn.prepare(key, parent)
    for rel, text in (files or {}).items():
        (sn.upperdir(key) / rel).write_text(text)
    sn.commit(name, key)


def test_protocol_and_first_snapshot_is_a_rw_bind_mount(sn):
    assert isinstance(sn, Snapshotter)
    mounts = sn.prepare("k1")
    assert mounts == [Mount("bind", fs(sn, "k1"), ["rw", "rbind"])]
    assert sn.stat("k1").kind is Kind.ACTIVE and sn.mounts("k1") == mounts


def test_prepare_on_a_chain_gives_overlay_with_lowerdirs_top_first(sn):
    layer(sn, "base")
    layer(sn, "mid", "base")
    mounts = sn.prepare("ctr", "mid")
    assert len(mounts) == 1 and mounts[0].type == "overlay" and mounts[0].source == "overlay"
    m = mounts[0]
    assert m.option("lowerdir") == f"{fs(sn, 'mid')}:{fs(sn, 'base')}"
    assert m.option("upperdir") == fs(sn, "ctr")
    assert m.option("workdir") == str(Path(fs(sn, "ctr")).parent / "work")
    assert os.path.isdir(m.option("workdir"))
    assert sn.lowerdirs("ctr") == [Path(fs(sn, "mid")), Path(fs(sn, "base"))]


def test_views_are_read_only(sn):
    layer(sn, "base")
    assert sn.view("v1", "base") == [Mount("bind", fs(sn, "base"), ["ro", "rbind"])]
    layer(sn, "top", "base")
    (v2,) = sn.view("v2", "top")
    assert v2.type == "overlay" and "ro" in v2.options and v2.option("upperdir") is None
    assert v2.option("lowerdir") == f"{fs(sn, 'top')}:{fs(sn, 'base')}"
    assert sn.view("v3")[0].options == ["ro", "rbind"]
    with pytest.raises(InvalidArgument):
        sn.commit("nope", "v1")


def test_commit_moves_key_to_name_and_keeps_the_directory(sn):
    sn.prepare("extract", "")
    (sn.upperdir("extract") / "f").write_text("data")
    before = sn.upperdir("extract")
    sn.commit("layer", "extract")
    with pytest.raises(NotFound):
        sn.stat("extract")
    info = sn.stat("layer")
    assert info.kind is Kind.COMMITTED and info.name == "layer"
    assert sn.upperdir("layer") == before and (before / "f").read_text() == "data"
    assert not (before.parent / "work").exists()
    with pytest.raises(InvalidArgument):
        sn.mounts("layer")
    with pytest.raises(InvalidArgument):
        sn.commit("again", "layer")


def test_conflicts_and_missing_parents(sn):
    layer(sn, "base")
    sn.prepare("busy", "base")
    with pytest.raises(Conflict):
        sn.prepare("busy", "base")
    with pytest.raises(Conflict):
        sn.commit("base", "busy")
    with pytest.raises(NotFound):
        sn.prepare("x", "no-such-parent")
    with pytest.raises(InvalidArgument):
        sn.prepare("y", "busy")  # an active snapshot cannot be a parent
    with pytest.raises(InvalidArgument):
        sn.prepare("")


def test_remove_refuses_parents_then_works_children_first(sn):
    layer(sn, "base")
    sn.prepare("ctr", "base")
    with pytest.raises(Conflict, match="parent"):
        sn.remove("base")
    ctr_dir = sn.upperdir("ctr").parent
    sn.remove("ctr")
    assert not ctr_dir.exists()
    sn.remove("base")
    assert sn.list() == [] and os.listdir(sn.root / "snapshots") == []
    with pytest.raises(NotFound):
        sn.remove("base")


def test_metadata_survives_a_restart(sn):
    layer(sn, "base", files={"a": "1"})
    sn.prepare("ctr", "base", labels={"containerd.io/gc.root": "x"})
    again = OverlaySnapshotter(sn.root)
    assert [(i.name, i.kind, i.parent) for i in again.list()] == [("base", Kind.COMMITTED, ""), ("ctr", Kind.ACTIVE, "base")]
    assert again.stat("ctr").labels == {"containerd.io/gc.root": "x"}
    assert again.mounts("ctr") == sn.mounts("ctr")
    again.prepare("new", "base")
    assert again.upperdir("new") not in (again.upperdir("ctr"), again.upperdir("base"))  # ids keep counting


def test_labels_update(sn):
    sn.prepare("k", labels={"a": "1"})
    assert sn.update("k", {"b": "2"}).labels == {"a": "1", "b": "2"}
    assert sn.update("k", {"a": ""}).labels == {"b": "2"}


def test_usage_counts_own_layer_and_hard_links_once(sn):
    sn.prepare("k")
    up = sn.upperdir("k")
    (up / "big").write_bytes(b"x" * 100_000)
    os.link(up / "big", up / "big2")
    (up / "d").mkdir()
    active = sn.usage("k")
    assert active.inodes == 3  # the root dir, one file (two names), one dir
    assert active.size >= 100_000
    sn.commit("c", "k")
    assert sn.usage("c") == active
    sn.prepare("child", "c")
    assert sn.usage("child").inodes == 1  # a child on top of c shares it: its own layer is empty


def test_cleanup_removes_directories_left_by_a_crash(sn):
    layer(sn, "base")
    (sn.root / "snapshots" / "new-99" / "fs").mkdir(parents=True)
    (sn.root / "snapshots" / "rm-42").mkdir()
    assert sn.cleanup() == 2
    assert sn.upperdir("base").is_dir() and sorted(os.listdir(sn.root / "snapshots")) == ["1"]


def test_concurrent_prepares_from_two_instances_never_share_a_directory(sn):
    import threading

    layer(sn, "base")
    other = OverlaySnapshotter(sn.root)  # another process's view of the same root, sharing only the files
    errors: list[Exception] = []

    def work(s: OverlaySnapshotter, prefix: str) -> None:
        try:
            for i in range(15):
                s.prepare(f"{prefix}-{i}", "base")
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s, p)) for s, p in ((sn, "a"), (other, "b"), (sn, "c"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    keys = [i.name for i in sn.list() if i.kind is Kind.ACTIVE]
    assert len(keys) == 45
    assert len({sn.upperdir(k) for k in keys}) == 45
