"""The chrooted archive helper behind docker cp: a symlink inside the container never reaches the host."""

from __future__ import annotations

import subprocess
import sys

import pytest

from minidocker.dockerd.containers import archive_child


@pytest.mark.root
def test_archive_child_stays_inside_its_root(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "hostname").write_text("inside\n")
    (root / "escape").symlink_to("/")
    run = lambda *a: subprocess.run([sys.executable, "-I", "-S", archive_child.__file__, str(root), *a],  # noqa: E731
                                    capture_output=True)
    res = run("stat", "/escape/etc/hostname")
    assert res.returncode == 0 and b'"name": "hostname"' in res.stdout
    res = run("get", "/escape/etc/hostname")
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(res.stdout)) as tar:
        assert tar.extractfile("hostname").read() == b"inside\n"  # the container's file, not the host's
    assert run("stat", "/nosuch").returncode == 2
