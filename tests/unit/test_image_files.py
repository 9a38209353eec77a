"""Files of an image read inside its layers: symlinks stay in the image, only regular files are read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from minidocker.dockerd.containers import image_files


@pytest.fixture
def layers(tmp_path: Path) -> list[Path]:
    upper, lower = tmp_path / "upper", tmp_path / "lower"
    (lower / "etc").mkdir(parents=True)
    (lower / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    (upper / "etc").mkdir(parents=True)
    return [upper, lower]


def test_a_file_of_a_lower_layer_is_read(layers):
    assert image_files.read(layers, "/etc/passwd") == b"root:x:0:0::/root:/bin/sh\n"


def test_an_absolute_symlink_to_a_host_file_is_resolved_inside_the_image(layers, tmp_path):
    host = tmp_path / "host-secret"
    host.write_text("secret:x:4242:4242::/:/bin/sh\n")
    (layers[0] / "etc" / "passwd").symlink_to(host)
    assert image_files.read(layers, "/etc/passwd") is None  # the image has no such path: not the host's file
    inside = layers[1].joinpath(*host.parts[1:])
    inside.parent.mkdir(parents=True)
    inside.write_text("inside:x:1:1::/:/bin/sh\n")
    assert image_files.read(layers, "/etc/passwd") == b"inside:x:1:1::/:/bin/sh\n"


def test_dotdot_stops_at_the_image_root(layers, tmp_path):
    (tmp_path / "outside").write_text("host\n")
    (layers[0] / "etc" / "passwd").symlink_to("../../../../../../outside")
    assert image_files.read(layers, "/etc/passwd") is None


def test_a_directory_symlink_of_a_layer_never_leads_onto_the_host(layers, tmp_path):
    (tmp_path / "hostdir").mkdir()
    (tmp_path / "hostdir" / "passwd").write_text("host\n")
    (layers[0] / "etc").rmdir()
    (layers[0] / "etc").symlink_to(tmp_path / "hostdir")
    assert image_files.read(layers, "/etc/passwd") is None


def test_a_fifo_or_a_directory_is_not_read_and_does_not_block(layers):
    os.mkfifo(layers[0] / "etc" / "passwd")
    assert image_files.read(layers, "/etc/passwd") is None
    assert image_files.read(layers, "/etc") is None


def test_a_symlink_loop_ends(layers):
    (layers[0] / "etc" / "passwd").symlink_to("passwd")
    assert image_files.read(layers, "/etc/passwd") is None


def test_reads_are_bounded(layers):
    (layers[0] / "etc" / "passwd").write_bytes(b"x" * 100)
    assert image_files.read(layers, "/etc/passwd", limit=10) == b"x" * 10


@pytest.mark.root
def test_a_whiteout_hides_the_lower_file(layers):
    os.mknod(layers[0] / "etc" / "passwd", 0o600 | 0o020000, os.makedev(0, 0))
    assert image_files.read(layers, "/etc/passwd") is None
