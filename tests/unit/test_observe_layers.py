"""observe.layers: overlay options parsed from a mounts table, disk usage with hard links counted once."""

from __future__ import annotations

import os

from minidocker.observe import layers

MOUNTS = (
    "proc /proc proc rw,nosuid 0 0\n"
    "overlay /var/lib/x/merged overlay rw,relatime,lowerdir=/l/top:/l/base,upperdir=/u,workdir=/w 0 0\n"
    "overlay /with\\040space overlay ro,lowerdir=/a\\040b 0 0\n"
)


def test_parse_mounts_reads_lower_upper_work():
    first, second = layers.parse_mounts(MOUNTS)
    assert first.merged == "/var/lib/x/merged"
    assert first.lower == ["/l/top", "/l/base"] and first.upper == "/u" and first.work == "/w"
    assert second.merged == "/with space" and second.lower == ["/a b"] and second.upper is None


def test_disk_usage_counts_hard_links_once(tmp_path):
    (tmp_path / "a").write_bytes(b"x" * 1000)
    os.link(tmp_path / "a", tmp_path / "b")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "c").write_bytes(b"y" * 500)
    os.symlink("a", tmp_path / "s")
    assert layers.disk_usage(tmp_path) == 1500
    assert layers.disk_usage(tmp_path / "missing") == 0


def test_human_sizes_are_decimal_like_docker():
    assert layers.human(999) == "999 B"
    assert layers.human(1500) == "1.5 kB"
    assert layers.human(2_000_000) == "2.0 MB"


def test_layer_graph_nodes(tmp_path):
    for d in ("l1", "l2", "u", "m"):
        (tmp_path / d).mkdir()
    mount = layers.OverlayMount(str(tmp_path / "m"), [str(tmp_path / "l1"), str(tmp_path / "l2")], str(tmp_path / "u"), None)
    src = layers.layer_graph(mount, "busybox:latest", ["top", "base"]).source
    for node in ("merged", "upper", "lower0", "lower1", "image"):
        assert f"\t{node} [" in src
    assert "upper -> merged" in src and "lower1 -> merged" in src and "image -> lower0" in src
    assert "lowerdir (read-only): top" in src


def test_layer_graph_names_snapshots_by_their_last_parts():
    long = "/var/lib/x y/course/ch09/lib/containerd/snapshots/overlayfs/snapshots/627/fs"
    assert layers.short_dir(long) == "…/snapshots/627/fs"
    assert layers.short_dir("/a/b") == "/a/b"
    mount = layers.OverlayMount("/proc/1/root", [long], long.replace("627", "628"), None)
    src = layers.layer_graph(mount).source
    assert "…/snapshots/627/fs" in src and "…/snapshots/628/fs" in src and "/var/lib" not in src
