"""User namespaces and namespace paths (runtime-spec config-linux.md "Namespaces", "User namespace
mappings"): maps written by the runtime, a user namespace joined by path, a path for every other type,
and a config without namespaces inheriting the runtime's. runc runs the same bundle beside minirunc."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from runc_fixture import bundle, configure, runtimes  # noqa: F401 - fixtures
from test_runc_parity import normalise

pytestmark = pytest.mark.root

BASE = 100000
MAPS = [{"containerID": 0, "hostID": BASE, "size": 65536}]
PROBE = ("cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; stat -c '%u:%g %a %F' /dev/null /; "
         "grep -E '^Cap(Eff|Bnd)' /proc/self/status; touch /tmp/f && stat -c %u:%g /tmp/f; hostname; "
         "echo MOUNTS; cat /proc/self/mountinfo")


def edit(bundle: Path, change) -> dict:
    spec = json.loads((bundle / "config.json").read_text())
    change(spec)
    (bundle / "config.json").write_text(json.dumps(spec))
    return spec


def with_userns(spec: dict) -> None:
    spec["linux"]["namespaces"].append({"type": "user"})
    spec["linux"]["uidMappings"] = MAPS
    spec["linux"]["gidMappings"] = MAPS
    spec["root"]["readonly"] = False


@pytest.fixture
def mapped_rootfs(busybox_rootfs: Path, bundle: Path):
    """A rootfs owned by the host ids that become the container's root (as a rootless runtime's is), in a
    directory the container's root may traverse (pytest's own tmp is 0700 root); removed at the end."""
    import shutil
    import tempfile

    top = Path(tempfile.mkdtemp(prefix="minirunc-userns-", dir="/tmp"))
    try:
        top.chmod(0o711)
        subprocess.run(["cp", "-a", str(busybox_rootfs), str(top / "rootfs")], check=True)
        subprocess.run(["chown", "-R", f"{BASE}:{BASE}", str(top / "rootfs")], check=True)
        configure(bundle, root=str(top / "rootfs"))
        yield top / "rootfs"
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_user_namespace_as_runc(runtimes, bundle: Path, mapped_rootfs: Path) -> None:
    configure(bundle, args=["sh", "-c", PROBE])
    edit(bundle, with_userns)
    seen = {}
    for runtime in ("runc", "minirunc"):
        cid = runtimes.new_id("userns")
        done = runtimes(runtime, "run", "--bundle", str(bundle), cid)
        assert done.returncode == 0, f"{runtime}: {done.stderr}"
        seen[runtime] = normalise(done.stdout, cid)
        (mapped_rootfs / "tmp" / "f").unlink()
    head = [" ".join(line.split()) for line in seen["minirunc"][:6]]
    assert head == [f"0 {BASE} 65536", f"0 {BASE} 65536", "0", "0", "65534:65534 666 character special file",
                    "0:0 755 directory"]  # the host's /dev/null, bind-mounted: its owner is unmapped
    assert "0:0" in seen["minirunc"]  # a file the container's root made is the container's root's
    assert seen["minirunc"] == seen["runc"]
    assert os.stat(mapped_rootfs / "bin").st_uid == BASE  # nothing chowned on the host


def test_exec_joins_the_user_namespace(runtimes, bundle: Path, mapped_rootfs: Path) -> None:
    configure(bundle, args=["sleep", "60"])
    edit(bundle, with_userns)
    seen = {}
    for runtime in ("runc", "minirunc"):
        cid = runtimes.new_id("usernsx")
        assert runtimes(runtime, "run", "-d", "--bundle", str(bundle), cid).returncode == 0
        done = runtimes(runtime, "exec", "--user", "1000:1000", cid, "sh", "-c", "cat /proc/self/uid_map; id -u; id -G")
        seen[runtime] = done.stdout.split()
        init = runtimes.state(runtime, cid)["pid"]
        assert os.readlink(f"/proc/{init}/ns/user") != os.readlink("/proc/self/ns/user")
        assert [line.split() for line in Path(f"/proc/{init}/status").read_text().splitlines()
                if line.startswith("Uid:")] == [["Uid:"] + [str(BASE)] * 4]  # root inside is 100000 outside
    assert seen["minirunc"] == ["0", str(BASE), "65536", "1000", "1000"]
    assert seen["minirunc"] == seen["runc"]


@pytest.fixture
def holder():
    """A process in new user (with maps written as root), network, ipc, uts, cgroup and pid namespaces,
    whose /proc/PID/ns files the containers join by path; killed at the end."""
    proc = subprocess.Popen(["unshare", "--user", "--net", "--ipc", "--uts", "--cgroup", "--pid", "--fork", "--kill-child",
                             "sleep", "300"], stdin=subprocess.DEVNULL)
    try:
        import time

        deadline = time.monotonic() + 10
        inner = None
        while inner is None:  # the forked sleep: PID 1 of the new pid namespace
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            inner = int(children[0]) if children else None
            assert time.monotonic() < deadline, "unshare did not fork"
        Path(f"/proc/{proc.pid}/uid_map").write_text(f"0 {BASE} 65536\n")
        Path(f"/proc/{proc.pid}/gid_map").write_text(f"0 {BASE} 65536\n")
        yield inner
    finally:
        proc.kill()
        proc.wait()


NS_FILES = ("user", "net", "ipc", "uts", "cgroup", "pid")


def test_namespace_paths_for_every_type(runtimes, bundle: Path, mapped_rootfs: Path, holder: int) -> None:
    """Joined by path: the user namespace (its maps come with it) and every other type but mount."""
    configure(bundle, args=["sh", "-c", "cat /proc/self/uid_map; id -u; sleep 60"])

    def by_path(spec: dict) -> None:
        types = {"user": "user", "network": "net", "ipc": "ipc", "uts": "uts", "cgroup": "cgroup", "pid": "pid"}
        spec["linux"]["namespaces"] = [{"type": "mount"}] + [
            {"type": t, "path": f"/proc/{holder}/ns/{f}"} for t, f in types.items()]
        spec["linux"]["uidMappings"] = spec["linux"]["gidMappings"] = MAPS  # the holder's (runc 1.1 wants them)
        spec["root"]["readonly"] = False
        spec.pop("hostname")  # the uts namespace is the holder's: leave its name alone
    edit(bundle, by_path)
    want = {f: os.readlink(f"/proc/{holder}/ns/{f}") for f in NS_FILES}
    seen = {}
    for runtime in ("runc", "minirunc"):
        cid = runtimes.new_id("nspath")
        assert runtimes(runtime, "run", "-d", "--bundle", str(bundle), cid).returncode == 0, runtime
        init = runtimes.state(runtime, cid)["pid"]
        assert {f: os.readlink(f"/proc/{init}/ns/{f}") for f in NS_FILES} == want, runtime
        assert os.readlink(f"/proc/{init}/ns/mnt") != os.readlink(f"/proc/{holder}/ns/mnt")
        seen[runtime] = runtimes(runtime, "exec", cid, "sh", "-c", "cat /proc/self/uid_map; id -u").stdout.split()
        runtimes(runtime, "delete", "--force", cid)
    assert seen["minirunc"] == ["0", str(BASE), "65536", "0"]
    assert seen["minirunc"] == seen["runc"]


def test_wrong_namespace_type_at_a_path_is_refused(runtimes, bundle: Path, holder: int) -> None:
    """runtime-spec: an error if the path is not a namespace of that type."""
    edit(bundle, lambda s: s["linux"]["namespaces"].__setitem__(1, {"type": "network", "path": f"/proc/{holder}/ns/ipc"}))
    for runtime in ("runc", "minirunc"):
        cid = runtimes.new_id("nsbad")
        done = runtimes(runtime, "run", "--bundle", str(bundle), cid)
        assert done.returncode != 0 and "invalid argument" in done.stderr.lower(), (runtime, done.stderr)
        assert runtimes(runtime, "state", cid).returncode != 0


def test_no_namespaces_inherits_the_runtimes(runtimes, bundle: Path) -> None:
    """namespaces: [] - every namespace is the runtime's; the rootfs is only chroot'ed into (no mounts).
    Compared with crun: runc 1.1 cannot run it (it needs /proc inside, which it would mount on the host)."""
    configure(bundle, args=["sleep", "60"])

    def bare(spec: dict) -> None:
        spec["linux"]["namespaces"] = []
        spec["mounts"] = []
        spec["linux"]["maskedPaths"] = spec["linux"]["readonlyPaths"] = []
        spec["root"]["readonly"] = False
        spec.pop("hostname")
    edit(bundle, bare)
    ours = {f: os.readlink(f"/proc/self/ns/{f}") for f in ("mnt", "net", "ipc", "uts", "pid", "cgroup", "user")}
    for runtime in ("crun", "minirunc"):
        cid = runtimes.new_id("nons")
        done = runtimes(runtime, "run", "-d", "--bundle", str(bundle), cid)
        assert done.returncode == 0, f"{runtime}: {done.stderr}"
        init = runtimes.state(runtime, cid)["pid"]
        # crun is started in a mount namespace of its own here (runc_fixture.CRUN): that one it inherits
        want = {f: v for f, v in ours.items() if not (runtime == "crun" and f == "mnt")}
        assert {f: os.readlink(f"/proc/{init}/ns/{f}") for f in want} == want, runtime
        assert os.path.samefile(f"/proc/{init}/root", json.loads((bundle / "config.json").read_text())["root"]["path"])
        runtimes(runtime, "delete", "--force", cid)


def test_a_non_root_caller_maps_through_newuidmap(tmp_path: Path) -> None:
    """The rootless path (issue 15 builds on it): as uid 65534, minirunc's map writer goes through Debian's
    setuid newuidmap/newgidmap, which let any user map its own uid and gid (no /etc/subuid entry needed)."""
    import shutil
    import time

    if not shutil.which("newuidmap"):
        pytest.skip("newuidmap missing: scripts/apt-packages.txt lists uidmap")
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    target = subprocess.Popen([*as_nobody, "unshare", "--user", "sleep", "60"], cwd="/")
    try:
        deadline = time.monotonic() + 10
        while os.readlink(f"/proc/{target.pid}/ns/user") == os.readlink("/proc/self/ns/user") or \
                Path(f"/proc/{target.pid}/comm").read_text().strip() != "sleep":
            assert time.monotonic() < deadline, "unshare did not make the user namespace"
            time.sleep(0.01)
        code = ("import sys; from minidocker.oci.runtime import Spec; from minidocker.runc import spec, userns; "
                "s = spec.example(); s['linux']['namespaces'].append({'type': 'user'}); "
                "s['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 65534, 'size': 1}]; "
                "s['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 65534, 'size': 1}]; "
                "userns.write_maps(int(sys.argv[1]), Spec(s))")
        refused = subprocess.run([*as_nobody, sys.executable, "-c", code.replace("'hostID': 65534", "'hostID': 0", 1),
                                  str(target.pid)], cwd="/", capture_output=True, text=True)
        assert refused.returncode != 0 and "newuidmap failed" in refused.stderr  # root's uid is not its own
        assert Path(f"/proc/{target.pid}/uid_map").read_text() == ""
        done = subprocess.run([*as_nobody, sys.executable, "-c", code, str(target.pid)], cwd="/",
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        for name in ("uid_map", "gid_map"):
            assert Path(f"/proc/{target.pid}/{name}").read_text().split() == ["0", "65534", "1"]
    finally:
        target.kill()
        target.wait()


def test_time_namespace_with_offsets(runtimes, bundle: Path) -> None:
    """A new time namespace with clock offsets (runtime-spec 1.1 linux.timeOffsets). runc 1.1 has no time
    namespaces and crun 1.8.1 fails any config with one ("write to sync socket"), so the reference is
    util-linux's unshare(1) with the same offsets. exec joins the container's time namespace."""
    year = 365 * 86400
    reference = subprocess.run(["unshare", "--time", "--fork", "--monotonic", "1000", "--boottime", str(year),
                                "cat", "/proc/self/timens_offsets"], capture_output=True, text=True, check=True).stdout
    configure(bundle, args=["sh", "-c", "cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime"])

    def with_time(spec: dict) -> None:
        spec["linux"]["namespaces"].append({"type": "time"})
        spec["linux"]["timeOffsets"] = {"monotonic": {"secs": 1000}, "boottime": {"secs": year}}
    edit(bundle, with_time)
    done = runtimes("minirunc", "run", "--bundle", str(bundle), runtimes.new_id("timens"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "\n".join(lines[:2]) + "\n" == reference and int(lines[2]) >= year
    configure(bundle, args=["sleep", "60"])
    cid = runtimes.new_id("timens")
    assert runtimes("minirunc", "run", "-d", "--bundle", str(bundle), cid).returncode == 0
    init = runtimes.state("minirunc", cid)["pid"]
    assert os.readlink(f"/proc/{init}/ns/time") != os.readlink("/proc/self/ns/time")
    joined = runtimes("minirunc", "exec", cid, "cat", "/proc/self/timens_offsets")
    assert joined.stdout == reference, joined.stderr


def test_time_namespace_by_path(runtimes, bundle: Path) -> None:
    """Joined by setns in the init itself (a time namespace, unlike a pid one, takes the caller at once)."""
    holder = subprocess.Popen(["unshare", "--time", "--fork", "--kill-child", "--boottime", "5000", "sleep", "300"])
    try:
        import time

        deadline = time.monotonic() + 10
        while not Path(f"/proc/{holder.pid}/task/{holder.pid}/children").read_text().split():
            assert time.monotonic() < deadline, "unshare did not fork"
        inner = int(Path(f"/proc/{holder.pid}/task/{holder.pid}/children").read_text().split()[0])
        configure(bundle, args=["cat", "/proc/self/timens_offsets"])
        edit(bundle, lambda s: s["linux"]["namespaces"].append({"type": "time", "path": f"/proc/{inner}/ns/time"}))
        done = runtimes("minirunc", "run", "--bundle", str(bundle), runtimes.new_id("timep"))
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["monotonic", "0", "0", "boottime", "5000", "0"]
    finally:
        holder.kill()
        holder.wait()
