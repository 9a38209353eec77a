"""cgroup v2 is detected at run time: in a mount namespace whose /sys/fs/cgroup is a cgroup2 mount
(the unified mode of newer hosts), minirunc uses the v2 layout; on the hybrid host, the v1 one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from runc_fixture import MINIRUNC, bundle, configure, runtimes  # noqa: F401 - fixtures

pytestmark = pytest.mark.root


def test_unified_mode_in_a_private_mount_namespace(runtimes, bundle: Path) -> None:
    if not Path("/sys/fs/cgroup/unified/cgroup.procs").exists() and not Path("/sys/fs/cgroup/cgroup.controllers").exists():
        pytest.skip("no cgroup2 hierarchy on this host")
    configure(bundle, args=["sh", "-c", "grep '^0::' /proc/self/cgroup; grep ' /sys/fs/cgroup ' /proc/self/mountinfo | cut -d' ' -f4,5,9"])
    cid = runtimes.new_id("v2")
    script = (f"umount -l /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && "
              f"exec {MINIRUNC} --root {runtimes.roots['minirunc']} run --bundle {bundle} {cid}")
    done = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"0::/{cid}", f"/{cid} /sys/fs/cgroup cgroup2"]
    for path in (Path("/sys/fs/cgroup/unified", cid), Path("/sys/fs/cgroup", cid)):
        assert not path.exists()  # removed on delete


def test_hybrid_host_uses_v1_controllers(runtimes, bundle: Path) -> None:
    from minidocker.runc import cgroups

    if cgroups.is_unified():
        pytest.skip("this host is in unified (v2-only) mode")
    configure(bundle, args=["sh", "-c", "ls /sys/fs/cgroup"], memory=32 * 1024 * 1024)
    done = runtimes("minirunc", "run", "--bundle", str(bundle), runtimes.new_id("v1"))
    assert {"memory", "pids", "cpu"} <= set(done.stdout.split()), done.stderr
