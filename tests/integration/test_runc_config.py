"""config.json fields beyond runc's example, each seen from inside the container or from the host:
bind mounts, joining a namespace by path, cpu limits, an absolute cgroupsPath, sysctl, annotations,
user and groups, cwd, env, rlimits."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from runc_fixture import bundle, cgroup_dirs, configure, runtimes  # noqa: F401 - fixtures

from minidocker.linux.namespaces import inode

pytestmark = pytest.mark.root


def edit(bundle: Path, change) -> None:
    spec = json.loads((bundle / "config.json").read_text())
    change(spec)
    (bundle / "config.json").write_text(json.dumps(spec))


def test_bind_mounts_ro_and_rw(runtimes, bundle: Path, tmp_path: Path) -> None:
    ro, rw = tmp_path / "ro", tmp_path / "rw"
    ro.mkdir()
    rw.mkdir()
    (ro / "hello").write_text("from the host\n")
    configure(bundle, args=["sh", "-c", "cat /mnt/ro/hello; touch /mnt/ro/x || echo RO-REFUSED; echo made > /mnt/rw/out; "
                                      "grep -E ' /mnt/(ro|rw) ' /proc/self/mountinfo | cut -d' ' -f5,6"])
    edit(bundle, lambda s: s["mounts"].extend([
        {"destination": "/mnt/ro", "type": "bind", "source": str(ro), "options": ["rbind", "ro", "nosuid", "nodev", "noexec"]},
        {"destination": "/mnt/rw", "type": "bind", "source": str(rw), "options": ["bind", "rw"]}]))
    done = runtimes("minirunc", "run", "--bundle", str(bundle), runtimes.new_id("bind"))
    assert "from the host" in done.stdout and "RO-REFUSED" in done.stdout, done.stderr
    assert "/mnt/ro ro,nosuid,nodev,noexec" in done.stdout and "/mnt/rw rw" in done.stdout
    assert (rw / "out").read_text() == "made\n"  # written inside, seen on the host
    assert not (ro / "x").exists()


def test_join_network_namespace_by_path(runtimes, bundle: Path) -> None:
    configure(bundle, args=["sleep", "60"])
    first = runtimes.new_id("netns")
    assert runtimes("minirunc", "run", "-d", "--bundle", str(bundle), first).returncode == 0
    pid = runtimes.state("minirunc", first)["pid"]
    edit(bundle, lambda s: [ns.update(path=f"/proc/{pid}/ns/net") for ns in s["linux"]["namespaces"] if ns["type"] == "network"])
    second = runtimes.new_id("netns")
    assert runtimes("minirunc", "run", "-d", "--bundle", str(bundle), second).returncode == 0
    other = runtimes.state("minirunc", second)["pid"]
    assert inode(other, "net") == inode(pid, "net") != inode("self", "net")
    assert inode(other, "uts") != inode(pid, "uts")  # only the network namespace is shared


def test_cpu_limits_absolute_cgroups_path_annotations(runtimes, bundle: Path) -> None:
    cid = runtimes.new_id("cfg")
    configure(bundle, args=["sleep", "60"])

    def change(s: dict) -> None:
        s["linux"]["resources"]["cpu"] = {"shares": 512, "quota": 50000, "period": 100000}
        s["linux"]["cgroupsPath"] = f"/minirunc-tests/{cid}"
        s["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}
        s["annotations"] = {"org.example.course": "chapter-06"}
    edit(bundle, change)
    assert runtimes("minirunc", "run", "-d", "--bundle", str(bundle), cid).returncode == 0
    state = runtimes.state("minirunc", cid)
    assert state["annotations"] == {"org.example.course": "chapter-06"}
    assert Path("/sys/fs/cgroup/cpu/minirunc-tests", cid, "cpu.shares").read_text().strip() == "512"
    assert Path("/sys/fs/cgroup/cpu/minirunc-tests", cid, "cpu.cfs_quota_us").read_text().strip() == "50000"
    assert runtimes("minirunc", "delete", "--force", cid).returncode == 0
    assert cgroup_dirs(cid) == []
    for top in os.listdir("/sys/fs/cgroup"):
        leftover = Path("/sys/fs/cgroup", top, "minirunc-tests")
        if leftover.is_dir():
            os.rmdir(leftover)  # the parent a test made; minirunc removes what it created


def test_sysctl_and_cpu_seen_inside(runtimes, bundle: Path) -> None:
    configure(bundle, args=["sh", "-c", "cat /sys/fs/cgroup/cpu/cpu.shares /proc/sys/net/ipv4/ip_forward"])
    edit(bundle, lambda s: (s["linux"]["resources"].update(cpu={"shares": 256}),
                            s["linux"].update(sysctl={"net.ipv4.ip_forward": "1"})))
    done = runtimes("minirunc", "run", "--bundle", str(bundle), runtimes.new_id("cfg"))
    assert done.stdout.split() == ["256", "1"], done.stderr


def test_user_groups_cwd_env_rlimits(runtimes, bundle: Path) -> None:
    configure(bundle, args=["sh", "-c", "id; pwd; echo $GREETING $HOME; ulimit -n; grep CapEff /proc/self/status"])

    def change(s: dict) -> None:
        s["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10, 100]}
        s["process"]["cwd"] = "/work/dir"
        s["process"]["env"].append("GREETING=hello")
        s["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 512, "soft": 256}]
        s["root"]["readonly"] = False
    edit(bundle, change)
    done = runtimes("minirunc", "run", "--bundle", str(bundle), runtimes.new_id("user"))
    lines = done.stdout.splitlines()
    assert lines[0].startswith("uid=1000 gid=1000") and "10(wheel)" in lines[0] and "100(users)" in lines[0], done.stderr
    assert lines[1:4] == ["/work/dir", "hello /", "256"]
    # execve as a non-root user clears the effective set unless ambient capabilities carry it, and the
    # kernel ignores ambient ones that are not inheritable: runc's example spec ends with none, as under runc.
    reference = runtimes("runc", "run", "--bundle", str(bundle), runtimes.new_id("user"))
    assert done.stdout == reference.stdout


def test_kill_all_reaches_every_process(runtimes, bundle: Path) -> None:
    """PID 1 of a namespace ignores SIGTERM unless it handles it; `kill --all` also reaches the others."""
    import time

    configure(bundle, args=["sh", "-c", "sleep 60 & sleep 60 & wait; sleep 60"])
    cid = runtimes.new_id("all")
    assert runtimes("minirunc", "run", "-d", "--bundle", str(bundle), cid).returncode == 0
    deadline = time.monotonic() + 10
    while len(json.loads(runtimes("minirunc", "ps", "--format", "json", cid).stdout)) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert runtimes("minirunc", "kill", "--all", cid, "TERM").returncode == 0
    while len(json.loads(runtimes("minirunc", "ps", "--format", "json", cid).stdout)) > 2:  # sh and its last sleep
        assert time.monotonic() < deadline, "the sleeps did not get SIGTERM"
        time.sleep(0.02)
    assert runtimes.state("minirunc", cid)["status"] == "running"  # the init ignored it, as PID 1 does


def test_preserve_fds_and_session_keyring_as_runc(runtimes, bundle: Path, tmp_path: Path) -> None:
    """--preserve-fds 1 hands fd 3 to the container; every other descriptor of the caller stays out;
    each container gets a session keyring of its own (the keys it can see), as under runc."""
    import subprocess

    from runc_fixture import RUNTIMES

    configure(bundle, args=["sh", "-c", "cat <&3; ls /proc/self/fd | grep -v 4 | tr '\\n' ' '; echo; "
                                      "grep ' _ses[.]' /proc/keys | awk '{print $5, $9}'"])
    edit(bundle, lambda s: s["linux"]["maskedPaths"].remove("/proc/keys"))
    (tmp_path / "passed").write_text("through fd 3\n")
    seen = {}
    for runtime in ("runc", "minirunc"):
        cid = runtimes.new_id("fds")
        out = tmp_path / f"{runtime}.out"
        with open(out, "w") as f, open(os.devnull) as extra:  # `extra` is inherited but not preserved
            argv = ["sh", "-c", 'exec "$0" "$@" 3<"$PASSED"', RUNTIMES[runtime], "--root", str(runtimes.roots[runtime]),
                    "run", "--preserve-fds", "1", "--bundle", str(bundle), cid]
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT, timeout=60,
                                  pass_fds=(extra.fileno(),), env={**os.environ, "PASSED": str(tmp_path / "passed")})
        assert done.returncode == 0, out.read_text()
        lines = out.read_text().splitlines()
        own_keyring = [line.replace(cid, "<ID>") for line in lines[2:] if line.endswith(f"_ses.{cid}:")]
        seen[runtime] = lines[:2] + own_keyring  # other containers' keyrings may be listed too: not ours to compare
    assert seen["minirunc"] == ["through fd 3", "0 1 2 3 ", "3f1b0000 _ses.<ID>:"]
    assert seen["minirunc"] == seen["runc"]


@pytest.mark.parametrize("domain, machine", [("LINUX32", "i686"), ("LINUX", "x86_64")])
def test_personality_as_crun(runtimes, bundle: Path, domain: str, machine: str) -> None:
    """linux.personality (runtime-spec 1.1; runc 1.1's spec types lack it, crun 1.8 applies it):
    LINUX32 makes uname report a 32-bit machine, to the container's process and to exec'd ones."""
    import platform

    if platform.machine() != "x86_64":
        pytest.skip("the expected machine names are x86_64's")
    configure(bundle, args=["sh", "-c", "uname -m; sleep 60"])
    spec = json.loads((bundle / "config.json").read_text())
    spec["linux"]["personality"] = {"domain": domain}
    (bundle / "config.json").write_text(json.dumps(spec))
    seen = {}
    for runtime in ("crun", "minirunc"):
        cid = runtimes.new_id("persona")
        assert runtimes(runtime, "run", "-d", "--bundle", str(bundle), cid).returncode == 0, runtime
        init = runtimes.state(runtime, cid)["pid"]
        persona = int(Path(f"/proc/{init}/personality").read_text(), 16)
        seen[runtime] = (persona, runtimes(runtime, "exec", cid, "uname", "-m").stdout)
        runtimes(runtime, "delete", "--force", cid)
    assert seen["minirunc"] == ({"LINUX32": 8, "LINUX": 0}[domain], machine + "\n")
    assert seen["minirunc"] == seen["crun"]
