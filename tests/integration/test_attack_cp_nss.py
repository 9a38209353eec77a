"""CVE-2019-14271 class: `cp` must never load an image's NSS library into a host-root process.

The image says `passwd: evil files` and ships libnss_evil.so.2, whose constructor breaks out of the
chroot and writes a marker file this test created the path for. Copies in both directions, with the
minidocker CLI and the real docker CLI, of a created and of a running container, must leave no marker.
"""

from __future__ import annotations

import subprocess

import pytest
from engine_fixture import engine  # noqa: F401

from minidocker.attacks import nss

pytestmark = [pytest.mark.root,
              pytest.mark.skipif(nss.compiler() is None, reason="needs a C compiler to build the evil library")]


@pytest.fixture(scope="module")
def evil(engine, tmp_path_factory):  # noqa: F811
    work = tmp_path_factory.mktemp("nss")
    marker = work / "host-marker"
    nss.build_image(engine.status, "evil-nss", work, marker)
    return marker


@pytest.fixture
def evil_marker(evil):
    evil.unlink(missing_ok=True)  # each test starts without the marker a previous one may have proved
    return evil


def _inside_marker(engine, name: str) -> bool:  # noqa: F811
    """Whether the library ran inside the container's root (its first act, before escaping)."""
    return engine.cli("exec", name, "test", "-e", nss.INSIDE_MARKER).returncode == 0


def test_cp_out_of_a_created_container_never_runs_the_images_library(engine, evil_marker, tmp_path):  # noqa: F811
    engine.cli("create", "--name", "nss-created", "evil-nss")
    res = engine.cli("cp", "nss-created:/etc/passwd", "-")
    assert res.returncode == 0, res.stderr
    assert b"root:x:0:0" in subprocess.run(["tar", "-xO"], input=res.stdout.encode(), capture_output=True).stdout
    code, out = nss.copy_out(engine.status, "nss-created", tmp_path / "passwd")
    assert code == 0, out
    assert not evil_marker.exists(), f"the image's library escaped cp's chroot as host root: {evil_marker.read_text()}"
    start = engine.cli("start", "-a", "nss-created")
    assert "no library ran in here" in start.stdout, start.stdout + start.stderr


def test_docker_cp_both_ways_never_runs_the_images_library(engine, evil_marker, tmp_path):  # noqa: F811
    engine.cli("create", "--name", "nss-docker", "evil-nss")
    (tmp_path / "payload").write_text("hello\n")
    out = engine.docker("cp", "nss-docker:/etc/passwd", str(tmp_path / "passwd"))
    assert out.returncode == 0, out.stderr
    into = engine.docker("cp", str(tmp_path / "payload"), "nss-docker:/tmp/")
    assert into.returncode == 0, into.stderr
    assert not evil_marker.exists(), f"the image's library escaped cp's chroot as host root: {evil_marker.read_text()}"
    start = engine.cli("start", "-a", "nss-docker")
    assert "no library ran in here" in start.stdout, start.stdout + start.stderr


def test_cp_with_a_running_container_never_runs_the_images_library(engine, evil_marker, tmp_path):  # noqa: F811
    engine.cli("run", "-d", "--name", "nss-running", "evil-nss", "sleep", "60")
    (tmp_path / "payload").write_text("hello\n")
    assert nss.copy_out(engine.status, "nss-running", tmp_path / "passwd")[0] == 0
    assert nss.copy_in(engine.status, "nss-running", tmp_path / "payload")[0] == 0
    assert engine.docker("cp", "nss-running:/etc/group", str(tmp_path / "group")).returncode == 0
    assert not _inside_marker(engine, "nss-running"), "the image's library ran as host root inside cp's helper"
    assert not evil_marker.exists()
    engine.cli("rm", "-f", "nss-running")
