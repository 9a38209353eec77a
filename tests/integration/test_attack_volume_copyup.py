"""A new volume is seeded from the image's directory at its mount point, resolved inside the image.

The image holds a symlink to a host directory this test made (with a file in it). A volume mounted
below that symlink must be seeded from the image (where the path does not exist), never from the host
directory the symlink names on the host (cf. moby's copy-up from the container's mounted rootfs).
"""

from __future__ import annotations

import pytest
from engine_fixture import engine  # noqa: F401

pytestmark = pytest.mark.root


def test_a_volume_is_never_seeded_from_a_host_directory_an_image_symlink_names(engine, tmp_path):  # noqa: F811
    host = tmp_path / "hostdir"
    host.mkdir()
    (host / "host-secret").write_text("read from the host\n")
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Dockerfile").write_text(f"FROM busybox\nRUN ln -s {tmp_path} /escape\n")
    assert engine.cli("build", "-q", "-t", "evil-volume-link", str(tmp_path / "ctx")).returncode == 0
    res = engine.cli("run", "--rm", "-v", "seeded:/escape/hostdir", "evil-volume-link", "sh", "-c",
                     "cat /escape/hostdir/host-secret 2>/dev/null || echo nothing copied")
    listing = engine.cli("run", "--rm", "-v", "seeded:/v", "busybox", "ls", "-A", "/v")
    engine.cli("volume", "rm", "seeded")
    assert "read from the host" not in res.stdout + listing.stdout, "a host directory was copied into the volume"
    assert res.returncode == 0 and "nothing copied" in res.stdout, res.stdout + res.stderr
    assert listing.stdout.strip() == "", listing.stdout


def test_a_volume_is_still_seeded_from_the_images_directory(engine, tmp_path):  # noqa: F811
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN mkdir -p /real/data && echo kept > /real/data/f "
                                         "&& ln -s /real /linked\n")
    assert engine.cli("build", "-q", "-t", "volume-link-inside", str(tmp_path)).returncode == 0
    res = engine.cli("run", "--rm", "-v", "seeded2:/linked/data", "volume-link-inside", "cat", "/real/data/f")
    engine.cli("volume", "rm", "seeded2")
    assert res.returncode == 0 and res.stdout.strip() == "kept", res.stdout + res.stderr
