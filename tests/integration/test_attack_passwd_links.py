"""User lookup never follows an image's symlink onto the host, and a FIFO never hangs the start.

The image's /etc/passwd is a symlink to a passwd file this test wrote on the host (naming a user no
image has), or a FIFO. As in Docker, `create -u` accepts any name and the lookup happens when the
container starts: the host's user must not be found, and the start must return promptly.
"""

from __future__ import annotations

import subprocess

import pytest
from engine_fixture import engine  # noqa: F401

from minidocker.attacks import passwd_links

pytestmark = pytest.mark.root


def test_start_never_reads_a_host_file_the_images_passwd_links_to(engine, tmp_path):  # noqa: F811
    bait = passwd_links.host_passwd(tmp_path / "bait-passwd", "hostonly", 4242)
    passwd_links.build_link_image(engine.status, "evil-passwd-link", tmp_path, bait)
    engine.cli("create", "--name", "link-user", "-u", "hostonly", "evil-passwd-link", "id")
    res = engine.cli("start", "-a", "link-user")
    assert "uid=4242" not in res.stdout, "the user came from the host's file"
    assert res.returncode != 0 and "unable to find user hostonly" in res.stderr, res.stdout + res.stderr


def test_start_with_a_fifo_as_passwd_returns_promptly(engine, tmp_path):  # noqa: F811
    passwd_links.build_fifo_image(engine.status, "evil-passwd-fifo", tmp_path)
    try:
        named = engine.cli("run", "--rm", "-u", "someone", "evil-passwd-fifo", "id", timeout=20)
        plain = engine.cli("run", "--rm", "evil-passwd-fifo", "echo", "started", timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("the engine hung reading the image's FIFO /etc/passwd")
    assert named.returncode != 0 and "unable to find user someone" in named.stderr, named.stderr
    assert plain.returncode == 0 and plain.stdout.strip() == "started", plain.stdout + plain.stderr
