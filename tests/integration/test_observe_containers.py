"""observe against real containers started through real runc: namespaces, overlay layers, memory limits."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from minidocker import baseimage
from minidocker.observe import direct, layers, nsdiff, procs

pytestmark = [pytest.mark.root, pytest.mark.skipif(shutil.which("runc") is None, reason="runc not installed")]


@pytest.fixture
def base_image(md_root):
    """The busybox base image under this test's MINIDOCKER_ROOT (bundles are overlays on it)."""
    return baseimage.ensure()


@pytest.fixture
def container(base_image):
    """A running container whose root is an overlay on the base image; it writes 3 MB, then sleeps."""
    c = direct.start(["sh", "-c", "dd if=/dev/zero of=/big bs=1M count=3 2>/dev/null; touch /done; sleep 60"],
                     overlay=True)
    try:
        deadline = time.monotonic() + 10
        while not (c.tmp / "b" / "upper" / "done").exists():
            assert time.monotonic() < deadline, "the container never wrote /done"
            time.sleep(0.02)
        yield c
    finally:
        c.stop()
    assert layers.find_mount(c.rootfs) is None  # clean-up unmounted it


def test_container_pid_namespace_seen_from_the_host(container):
    p = procs.read(container.pid)
    assert p.nspid[0] == container.pid and p.inner_pid == 1
    assert p.name == "sleep" or p.name == "sh"


def test_namespaces_compared_with_ours(container):
    rows = {kind: (h, c, shared) for kind, h, c, shared in nsdiff.compare(container.pid)}
    for kind in ("mnt", "pid", "net", "ipc", "uts"):
        assert not rows[kind][2], kind
        assert rows[kind][1] == os.stat(f"/proc/{container.pid}/ns/{kind}").st_ino
    assert rows["user"][2]  # runc's default spec makes no user namespace
    src = nsdiff.graph(container.pid).source
    assert "pid-c" in src and "user-s" in src


def test_overlay_layers_of_a_container(container, base_image):
    host_view = layers.find_mount(container.rootfs)
    inside = layers.container_mount(container.pid)
    assert host_view and inside
    assert inside.lower == host_view.lower == [str(base_image)]
    assert inside.upper == host_view.upper
    # The 3 MB file went to the container's own upper layer, not to the shared image.
    assert layers.disk_usage(inside.upper) >= 3 * 2**20
    assert not (base_image / "big").exists()
    assert layers.disk_usage(inside.merged) >= layers.disk_usage(inside.upper)


def test_memory_limit_triggers_the_oom_killer(base_image):
    killed = direct.run(["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"], memory=32 * 2**20)
    fits = direct.run(["dd", "if=/dev/zero", "of=/dev/null", "bs=8M", "count=1"], memory=32 * 2**20)
    assert killed.exit_code == 137
    assert fits.exit_code == 0
