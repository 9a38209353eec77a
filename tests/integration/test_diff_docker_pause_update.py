"""Differential tests of pause, unpause and update: the real docker CLI and docker-py against minidockerd and dockerd 20.10.

Each step runs on both daemons; exit codes, normalised stdout and stderr must agree, and the
cgroup files (freezer state, limits) are read on both to prove the effect is real, not just reported.
"""

from __future__ import annotations

import pytest

from diff_docker_fixture import norm, pair, poll, same  # noqa: F401 - `pair` is the module-scoped fixture

pytestmark = pytest.mark.root

NONET = ("--network", "none")


def freezer_state(fn, name: str) -> str:
    """The freezer cgroup of the container's init, read on the host (cgroup v1 here)."""
    pid = fn("inspect", "--format", "{{.State.Pid}}", name).stdout.strip()
    for line in open(f"/proc/{pid}/cgroup"):
        _, controllers, path = line.rstrip("\n").split(":", 2)
        if "freezer" in controllers.split(","):
            return open(f"/sys/fs/cgroup/freezer{path}/freezer.state").read().strip()
    raise AssertionError("no freezer cgroup")


def test_pause_unpause_and_what_a_paused_container_allows(pair):
    same(pair, "run", "-d", "--name", "pz", *NONET, "busybox", "sleep", "300")
    same(pair, "pause", "pz")
    assert freezer_state(pair.real, "pz") == freezer_state(pair.mini, "pz") == "FROZEN"
    same(pair, "ps", "--format", "{{.Names}} {{.Status}} {{.State}}")
    same(pair, "inspect", "--format", "{{.State.Status}} {{.State.Running}} {{.State.Paused}}", "pz")
    same(pair, "pause", "pz")  # already paused
    same(pair, "exec", "pz", "true")  # refused: paused
    same(pair, "unpause", "pz")
    assert freezer_state(pair.real, "pz") == freezer_state(pair.mini, "pz") == "THAWED"
    same(pair, "unpause", "pz")  # not paused
    same(pair, "exec", "pz", "echo", "thawed")
    same(pair, "pause", "pz")
    same(pair, "stop", "-t", "1", "pz")  # a paused container stops: signalled, then thawed
    same(pair, "inspect", "--format", "{{.State.Status}} {{.State.Paused}} {{.State.ExitCode}}", "pz")
    same(pair, "pause", "pz")  # not running
    same(pair, "unpause", "pz")
    same(pair, "start", "pz")
    same(pair, "pause", "pz")
    same(pair, "kill", "pz")
    same(pair, "inspect", "--format", "{{.State.Status}} {{.State.Paused}} {{.State.ExitCode}}", "pz")
    same(pair, "start", "pz")
    same(pair, "pause", "pz")
    same(pair, "rm", "-f", "pz")
    same(pair, "pause", "nosuch")


def test_exec_created_before_pause(pair):
    """An exec made before the pause cannot start while paused; it can once unpaused."""
    import docker

    results = []
    for sock in (pair.reald.sock, pair.engine.socket):
        api = docker.APIClient(base_url=f"unix://{sock}", version="1.41")
        box = api.create_container("busybox", ["sleep", "300"], host_config=api.create_host_config(network_mode="none"))
        api.start(box)
        ex = api.exec_create(box, ["echo", "hi"])
        api.pause(box)
        try:
            api.exec_start(ex)
            results.append("started")
        except docker.errors.APIError as err:
            results.append((err.status_code, str(err.explanation).replace(ex["Id"], "<EXEC>").replace(box["Id"], "<ID>")))
        api.unpause(box)
        results.append(api.exec_start(ex))
        api.remove_container(box, force=True)
        api.close()
    assert results[:2] == results[2:]
    assert results[0][0] >= 400 and results[1] == b"hi\n"


def cgroup_value(fn, name: str, path: str) -> str:
    return fn("exec", name, "cat", path).stdout.strip()


@pytest.mark.parametrize("flags", [
    ("--cpu-shares", "512"),
    ("--memory", "32m"),  # refused: the memory-swap limit (none) must be raised too
    ("--memory", "32m", "--memory-swap", "64m"),
    ("--memory", "1k", "--memory-swap", "64m"),
    ("--memory", "64m", "--memory-swap", "32m"),
    ("--pids-limit", "50"),
    ("--cpus", "0.5"),
    ("--cpu-period", "50000", "--cpu-quota", "25000"),
    ("--cpus", "100"),
    ("--restart", "on-failure:3"),
    ("--restart", "always:3"),
    ("--restart", "unless-stopped"),
    ("--cpuset-cpus", "0-99"),  # refused by both (out of range); minirunc has no cpuset (differences-from-docker.md)
])
def test_update_values_and_refusals(pair, flags):
    name = "up-" + "-".join(f.strip("-") for f in flags).replace(":", "").replace(".", "")[:40]
    same(pair, "run", "-d", "--name", name, *NONET, "busybox", "sleep", "300")
    same(pair, "update", *flags, name)
    same(pair, "inspect", "--format", "{{.HostConfig.CpuShares}} {{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} "
         "{{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}} "
         "{{.HostConfig.CpusetCpus}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}",
         name)
    for path in ("/sys/fs/cgroup/cpu/cpu.shares", "/sys/fs/cgroup/memory/memory.limit_in_bytes",
                 "/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
                 "/sys/fs/cgroup/cpu/cpu.cfs_period_us"):
        assert cgroup_value(pair.mini, name, path) == cgroup_value(pair.real, name, path), path
    same(pair, "rm", "-f", name)


def test_update_sequences_and_stopped_containers(pair):
    same(pair, "run", "-d", "--name", "us", *NONET, "--cpus", "0.5", "-m", "32m", "busybox", "sleep", "300")
    same(pair, "update", "--cpu-quota", "50000", "us")  # NanoCpus already set
    same(pair, "update", "--memory", "48m", "us")  # within the swap limit made at run (2 x 32m)
    same(pair, "update", "--memory", "128m", "us")  # above it
    same(pair, "update", "--pids-limit", "20", "us")
    same(pair, "update", "--pids-limit", "-1", "us")  # lifted again
    assert cgroup_value(pair.mini, "us", "/sys/fs/cgroup/pids/pids.max") == "max"
    same(pair, "inspect", "--format", "{{.HostConfig.PidsLimit}} {{.HostConfig.Memory}}", "us")
    same(pair, "stop", "-t", "0", "us")
    same(pair, "update", "--cpu-shares", "256", "us")  # stored; applied at the next start
    same(pair, "start", "us")
    assert cgroup_value(pair.mini, "us", "/sys/fs/cgroup/cpu/cpu.shares") == "256"
    same(pair, "run", "-d", "--rm", "--name", "ur", *NONET, "busybox", "sleep", "300")
    same(pair, "update", "--restart", "always", "ur")
    same(pair, "update", "--cpu-shares", "512", "nosuch")
    same(pair, "update", "us")  # no flags: the CLI's own message
    same(pair, "rm", "-f", "us", "ur")


def test_docker_py_pause_update(pair):
    docker = pytest.importorskip("docker")

    def session(url: str) -> list:
        client = docker.DockerClient(base_url=url, version="auto", timeout=60)
        box = client.containers.run("busybox", ["sleep", "300"], network_mode="none", detach=True, name="dpu")
        out = []
        try:
            box.pause()
            box.reload()
            out.append(box.status)
            box.unpause()
            box.reload()
            out.append(box.status)
            out.append(box.update(cpu_shares=700, mem_limit="40m", memswap_limit="80m"))
            box.reload()
            out.append({k: box.attrs["HostConfig"][k] for k in ("CpuShares", "Memory", "MemorySwap")})
            try:
                box.update(mem_limit="1k")
            except docker.errors.APIError as err:
                out.append((err.status_code, str(err.explanation).replace(box.id, "<ID>")))
        finally:
            box.remove(force=True)
        client.close()
        return out

    assert session(f"unix://{pair.engine.socket}") == session(f"unix://{pair.reald.sock}")
