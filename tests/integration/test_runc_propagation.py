"""linux.rootfsPropagation (shared, slave, private, unbindable and their recursive forms) and the propagation
options of mounts: what the container's mount table says, and whether a mount made on the host later
really reaches the container. The same bundle runs under crun (which applies rootfsPropagation to the
new root after pivot_root, as minirunc does) or runc (per-mount options), and minirunc."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from runc_fixture import configure, make_bundle, runtimes  # noqa: F401 - fixtures

pytestmark = pytest.mark.root

TAGS = re.compile(r"(shared|master|propagate_from):\d+|unbindable")


@pytest.fixture
def shared_area(tmp_path: Path, busybox_rootfs: Path):
    """A tmpfs the test mounts and makes shared (as / is on systemd hosts), holding a rootfs and a volume."""
    area = tmp_path / "area"
    area.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(area)], check=True)
    try:
        subprocess.run(["mount", "--make-shared", str(area)], check=True)
        subprocess.run(["cp", "-a", str(busybox_rootfs), str(area / "rootfs")], check=True)
        (area / "vol").mkdir()
        yield area
    finally:
        subprocess.run(["umount", "-R", "-l", str(area)], check=False)


def tags(mountinfo: str) -> list[tuple[str, str]]:
    """(mount point, its propagation tags without the peer-group numbers) for / and /vol."""
    out = []
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) > 5 and fields[4] in ("/", "/vol"):
            optional = fields[6:fields.index("-")]
            out.append((fields[4], " ".join(sorted(TAGS.sub(lambda m: m.group(0).split(":")[0], o) for o in optional))))
    return out


@pytest.mark.parametrize("propagation", ["shared", "rshared", "slave", "rslave", "private", "rprivate",
                                         "unbindable"])
def test_rootfs_propagation_as_crun(runtimes, shared_area: Path, tmp_path: Path, propagation: str) -> None:
    bundle = make_bundle(tmp_path / "bundle", shared_area / "rootfs")
    configure(bundle, args=["cat", "/proc/self/mountinfo"])
    spec = json.loads((bundle / "config.json").read_text())
    spec["linux"]["rootfsPropagation"] = propagation
    spec["mounts"].append({"destination": "/vol", "type": "bind", "source": str(shared_area / "vol"),
                           "options": ["rbind", "rslave"]})
    (bundle / "config.json").write_text(json.dumps(spec))
    seen = {}
    for runtime in ("crun", "minirunc"):
        done = runtimes(runtime, "run", "--bundle", str(bundle), runtimes.new_id("prop"))
        assert done.returncode == 0, f"{runtime}: {done.stderr}"
        seen[runtime] = tags(done.stdout)
    assert [point for point, _ in seen["minirunc"]] == ["/", "/vol"]
    assert seen["minirunc"] == seen["crun"]


@pytest.mark.parametrize("option, reaches", [("rslave", True), ("rshared", True), ("rprivate", False)])
def test_host_mount_reaches_a_slave_volume(runtimes, shared_area: Path, tmp_path: Path, option: str,
                                           reaches: bool) -> None:
    """The point of propagation: a mount made on the host under the volume after the container started."""
    bundle = make_bundle(tmp_path / "bundle", shared_area / "rootfs")
    configure(bundle, args=["sleep", "60"])
    spec = json.loads((bundle / "config.json").read_text())
    spec["mounts"].append({"destination": "/vol", "type": "bind", "source": str(shared_area / "vol"),
                           "options": ["rbind", option]})
    (bundle / "config.json").write_text(json.dumps(spec))
    later = shared_area / "vol" / "later"
    later.mkdir()
    seen = {}
    for runtime in ("runc", "minirunc"):
        cid = runtimes.new_id("propv")
        assert runtimes(runtime, "run", "-d", "--bundle", str(bundle), cid).returncode == 0
        subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(later)], check=True)
        try:
            (later / "from-host").write_text("x")
            seen[runtime] = runtimes(runtime, "exec", cid, "ls", "/vol/later").stdout.split()
        finally:
            subprocess.run(["umount", str(later)], check=True)
        runtimes(runtime, "delete", "--force", cid)
    assert seen["minirunc"] == (["from-host"] if reaches else [])
    assert seen["minirunc"] == seen["runc"]


def test_runbindable_root_refuses_binds_of_host_paths(runtimes, shared_area: Path, tmp_path: Path) -> None:
    """runbindable on the copy of the host's / makes the bind mounts of host paths (the v1 cgroups, volumes)
    impossible: EINVAL in every runtime, and nothing is left behind."""
    bundle = make_bundle(tmp_path / "bundle", shared_area / "rootfs")
    configure(bundle, args=["true"])
    spec = json.loads((bundle / "config.json").read_text())
    spec["linux"]["rootfsPropagation"] = "runbindable"
    spec["mounts"].append({"destination": "/vol", "type": "bind", "source": str(shared_area / "vol"), "options": ["rbind"]})
    (bundle / "config.json").write_text(json.dumps(spec))
    for runtime in ("runc", "crun", "minirunc"):
        cid = runtimes.new_id("propu")
        done = runtimes(runtime, "run", "--bundle", str(bundle), cid)
        assert done.returncode != 0 and "invalid argument" in done.stderr.lower(), (runtime, done.stderr)
        assert runtimes(runtime, "state", cid).returncode != 0
