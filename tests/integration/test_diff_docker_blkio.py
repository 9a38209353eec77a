"""Differential tests: block I/O throttles (--device-read-bps ... --device-write-iops) and weights, as dockerd 20.10
applies or discards them on this host (cf. moby daemon_unix.go verifyPlatformContainerResources, oci_linux.go).
"""

from __future__ import annotations

import os
import stat

import pytest

from diff_docker_fixture import norm, pair  # noqa: F401 - `pair` is the module-scoped fixture

pytestmark = pytest.mark.root

NONET = ("--network", "none")


def a_block_device() -> str:
    for name in sorted(os.listdir("/sys/block")):
        path = f"/dev/{name}"
        if os.path.exists(path) and stat.S_ISBLK(os.stat(path).st_mode) and not name.startswith(("loop", "ram")):
            return path
    pytest.skip("no block device on this host")


def v1_blkio_file(name: str) -> str:
    return f"/sys/fs/cgroup/blkio/{name}"


@pytest.mark.parametrize("flag, file", [
    ("--device-read-bps", "blkio.throttle.read_bps_device"),
    ("--device-write-bps", "blkio.throttle.write_bps_device"),
    ("--device-read-iops", "blkio.throttle.read_iops_device"),
    ("--device-write-iops", "blkio.throttle.write_iops_device"),
])
def test_throttles_reach_the_cgroup(pair, flag, file):
    if not os.path.exists(v1_blkio_file(file)):
        pytest.skip("this host's blkio controller is not on cgroup v1")
    dev = a_block_device()
    rate = "1mb" if "bps" in flag else "100"
    real, mini = pair.both("run", "--rm", *NONET, flag, f"{dev}:{rate}", "busybox", "cat", f"/sys/fs/cgroup/blkio/{file}")
    assert (mini.returncode, mini.stdout, norm(mini.stderr)) == (real.returncode, real.stdout, norm(real.stderr))
    assert real.stdout.strip()


@pytest.mark.parametrize("args", [
    ("--blkio-weight", "300"),
    ("--device-read-bps", "/dev/nosuchdevice:1mb"),
    ("--device-read-bps", "/etc/hostname:1mb"),
])
def test_weights_and_bad_devices(pair, args):
    real, mini = pair.both("run", "--rm", *NONET, *args, "busybox", "true")
    assert (mini.returncode, norm(mini.stderr)) == (real.returncode, norm(real.stderr)), (real.stderr, mini.stderr)


def test_throttles_are_shown_by_inspect(pair):
    dev = a_block_device()
    shown = []
    for side in (pair.real, pair.mini):
        made = side("create", *NONET, "--device-write-iops", f"{dev}:42", "busybox", "true")
        assert made.returncode == 0, made
        shown.append(side("inspect", "--format", "{{json .HostConfig.BlkioDeviceWriteIOps}}", made.stdout.strip()).stdout)
        side("rm", made.stdout.strip())
    assert shown[1] == shown[0]
