"""docker run's options reach the container (limits, user, workdir, hostname, read-only, capabilities), and info / system df."""

from __future__ import annotations

import json

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine

pytestmark = pytest.mark.root

DOCKER_DEFAULT_CAPS = 0xA80425FB  # the 14 capabilities Docker grants, as /proc/self/status shows them


def _run(engine, *args: str) -> str:
    return engine.docker("run", "--rm", *args, check=True).stdout


def test_limits_are_written_to_the_cgroup(engine):
    v2 = engine.docker("info", "--format", "{{.CgroupVersion}}", check=True).stdout.strip() == "2"
    if v2:
        assert _run(engine, "--memory", "32m", "busybox", "cat", "/sys/fs/cgroup/memory.max") == f"{32 << 20}\n"
        assert _run(engine, "--pids-limit", "10", "busybox", "cat", "/sys/fs/cgroup/pids.max") == "10\n"
    else:
        assert _run(engine, "--memory", "32m", "busybox", "cat",
                    "/sys/fs/cgroup/memory/memory.limit_in_bytes") == f"{32 << 20}\n"
        assert _run(engine, "--cpus", "0.5", "busybox", "cat", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us") == "50000\n"
        assert _run(engine, "--pids-limit", "10", "busybox", "cat", "/sys/fs/cgroup/pids/pids.max") == "10\n"
    res = engine.docker("run", "--rm", "--memory", "1k", "busybox", "true")
    assert res.returncode == 125 and "Minimum memory limit allowed is 6MB" in res.stderr


def test_user_workdir_hostname_entrypoint_env(engine):
    out = _run(engine, "-u", "nobody", "-w", "/tmp", "-h", "myhost", "-e", "A=1", "busybox", "sh", "-c",
               "id -u; id -g; pwd; hostname; echo $A; echo $HOSTNAME")
    assert out.split() == ["65534", "65534", "/tmp", "myhost", "1", "myhost"]
    assert _run(engine, "--entrypoint", "echo", "busybox", "hi", "there") == "hi there\n"


def test_read_only_root_and_capabilities(engine):
    res = engine.docker("run", "--rm", "--read-only", "busybox", "touch", "/x")
    assert res.returncode == 1 and "Read-only file system" in res.stderr
    status = _run(engine, "busybox", "grep", "CapEff", "/proc/self/status")
    assert int(status.split()[1], 16) == DOCKER_DEFAULT_CAPS
    status = _run(engine, "--cap-drop", "NET_RAW", "--cap-add", "SYS_TIME", "busybox", "grep", "CapEff", "/proc/self/status")
    assert int(status.split()[1], 16) == (DOCKER_DEFAULT_CAPS & ~(1 << 13)) | (1 << 25)
    mounts = _run(engine, "busybox", "cat", "/proc/self/mountinfo").splitlines()
    by_target = {line.split()[4]: line for line in mounts}
    assert " - tmpfs " in by_target["/proc/acpi"] and " ro," in by_target["/proc/acpi"]  # masked
    assert " ro," in by_target["/proc/sys"] and " ro," in by_target["/sys"]  # read-only


def test_network_modes(engine):
    lo_only = _run(engine, "--network", "none", "busybox", "ip", "-o", "link")
    assert [line.split(":")[1].strip() for line in lo_only.splitlines()] == ["lo"]
    import socket

    assert _run(engine, "--network", "host", "busybox", "hostname").strip() == socket.gethostname()


def test_info_and_system_df(engine):
    info = json.loads(engine.docker("info", "--format", "{{json .}}", check=True).stdout)
    assert info["OSType"] == "linux" and info["Images"] >= 1 and info["DefaultRuntime"] == engine.runtime
    assert info["DockerRootDir"] == str(engine.root / "lib")
    cid = engine.docker("run", "-d", "-v", "dfvol:/v", "busybox", "sleep", "1000", check=True).stdout.strip()
    try:
        df = engine.docker("system", "df", check=True).stdout.splitlines()
        assert df[0].split() == ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
        rows = {line.split()[0]: line.split()[1:3] for line in df[1:]}
        assert rows["Containers"] == ["1", "1"] and rows["Local"] == ["Volumes", "1"]
    finally:
        engine.docker("rm", "-f", "-v", cid, check=True)
        engine.docker("volume", "rm", "dfvol", check=True)


def test_stats_reads_the_containers_cgroup(engine):
    cid = engine.docker("run", "-d", "--memory", "64m", "busybox", "sh", "-c", "while true; do :; done",
                        check=True).stdout.strip()
    try:
        out = engine.docker("stats", "--no-stream", "--format", "{{.ID}} {{.MemUsage}} {{.PIDs}} {{.CPUPerc}}", cid,
                            check=True, timeout=30).stdout.split()
        assert out[0] == cid[:12] and out[3] == "64MiB" and out[4] == "1"
        assert float(out[5].rstrip("%")) > 5.0  # a busy loop shows up in cpuacct
    finally:
        engine.docker("rm", "-f", cid, check=True)


def test_events_tell_the_lifecycle(engine):
    import time

    since = int(time.time()) - 1
    engine.docker("run", "--rm", "--name", "evts", "busybox", "sh", "-c", "exit 3")
    until = int(time.time()) + 1
    out = engine.docker("events", "--since", str(since), "--until", str(until), "--filter", "container=evts",
                        "--format", "{{.Action}} {{.Actor.Attributes.exitCode}}", check=True, timeout=30).stdout
    assert [line.split()[0] for line in out.splitlines()] == ["create", "start", "die", "destroy"]
    assert "die 3" in out.splitlines()
