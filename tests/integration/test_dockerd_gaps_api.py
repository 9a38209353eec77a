"""Engine API gaps closed after differential runs against dockerd 20.10: build prune, create-time validation, users, diff, commit."""

from __future__ import annotations

import json
import socket

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine

pytestmark = pytest.mark.root


def _post(engine, path: str) -> tuple[int, dict]:
    """One raw POST on the engine's socket: (status, JSON body)."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(str(engine.socket))
    try:
        s.sendall(f"POST /v1.41{path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    if b"chunked" in head.lower():
        out, rest = b"", body
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size, 16)
            if n == 0:
                break
            out, rest = out + rest[:n], rest[n + 2:]
        body = out
    return status, json.loads(body)


def test_build_prune_answers_like_a_legacy_only_dockerd(engine):
    assert _post(engine, "/build/prune") == (200, {"CachesDeleted": None, "SpaceReclaimed": 0})
    status, body = _post(engine, "/build/prune?filters=%7B%22nosuch%22%3A%7B%22x%22%3Atrue%7D%7D")
    assert (status, body["message"]) == (400, "failed to prune build cache: Invalid filter 'nosuch'")
    assert _post(engine, "/build/prune?keep-storage=abc")[0] == 400
    res = engine.docker("builder", "prune", "-f")
    assert (res.returncode, res.stdout) == (0, "Total reclaimed space: 0B\n"), res.stderr


def test_system_prune_runs_to_its_report(engine):
    engine.docker("create", "--name", "gaps-prune", "busybox", "true", check=True)
    res = engine.docker("system", "prune", "-f")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Deleted Containers:\n")
    assert res.stdout.splitlines()[-1].startswith("Total reclaimed space: ")
    assert engine.docker("ps", "-aq", "--filter", "name=gaps-prune", check=True).stdout == ""


def _ids(engine) -> set[str]:
    return set(engine.docker("ps", "-aq", "--no-trunc", check=True).stdout.split())


def test_unknown_capability_is_refused_at_create(engine):
    before = _ids(engine)
    res = engine.docker("create", "--cap-add", "NOSUCH", "busybox", "true")
    assert (res.returncode, res.stdout) == (1, "")
    assert res.stderr.strip() == 'Error response from daemon: invalid CapAdd: unknown capability: "CAP_NOSUCH"'
    res = engine.docker("run", "--rm", "--cap-drop", "nosuch", "busybox", "true")
    assert res.returncode == 125
    assert 'docker: Error response from daemon: invalid CapDrop: unknown capability: "CAP_NOSUCH"' in res.stderr
    assert _ids(engine) == before  # nothing half-made


def test_capabilities_are_stored_normalized(engine):
    cid = engine.docker("create", "--cap-add", "net_admin", "--cap-drop", "CAP_chown", "busybox", "true",
                        check=True).stdout.strip()
    try:
        out = engine.docker("inspect", "-f", "{{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}}", cid,
                            check=True).stdout
        assert out.split() == ['["CAP_NET_ADMIN"]', '["CAP_CHOWN"]']
    finally:
        engine.docker("rm", "-f", cid)


def test_negative_pids_limit_means_unlimited(engine):
    v2 = engine.docker("info", "--format", "{{.CgroupVersion}}", check=True).stdout.strip() == "2"
    pids_max = "/sys/fs/cgroup/pids.max" if v2 else "/sys/fs/cgroup/pids/pids.max"
    res = engine.docker("run", "--name", "gaps-pids", "--pids-limit", "-5", "busybox", "cat", pids_max)
    try:
        assert (res.returncode, res.stdout) == (0, "max\n"), res.stderr
        out = engine.docker("inspect", "-f", "{{json .HostConfig.PidsLimit}}", "gaps-pids", check=True).stdout
        assert out.strip() == "null"
    finally:
        engine.docker("rm", "-f", "gaps-pids")


def test_ulimits_reach_the_process(engine):
    res = engine.docker("run", "--rm", "--ulimit", "nofile=100:200", "--ulimit", "nproc=50:60", "busybox",
                        "sh", "-c", "ulimit -n; ulimit -Hn; ulimit -u; ulimit -Hu")
    assert (res.returncode, res.stdout.split()) == (0, ["100", "200", "50", "60"]), res.stderr
    res = engine.docker("run", "--rm", "--ulimit", "nofile=300:200", "busybox", "true")
    assert res.returncode == 125 and "soft limit must be less than or equal to hard limit" in res.stderr


NOUSER = "unable to find user nouser: no matching entries in passwd file"


def test_exec_as_unknown_user_fails_in_stream_with_126(engine):
    engine.docker("run", "-d", "--name", "gaps-exec", "--network", "none", "busybox", "sleep", "300", check=True)
    try:
        res = engine.docker("exec", "-u", "nouser", "gaps-exec", "id")
        assert (res.returncode, res.stdout, res.stderr) == (126, NOUSER + "\r\n", "")
        res = engine.docker("exec", "-u", "root:nogrp", "gaps-exec", "id")
        assert (res.returncode, res.stdout) == (126, "unable to find group nogrp: no matching entries in group file\r\n")
        res = engine.docker("exec", "-d", "-u", "nouser", "gaps-exec", "id")
        assert (res.returncode, res.stderr.strip()) == (1, "Error response from daemon: " + NOUSER)
        assert engine.docker("exec", "gaps-exec", "true").returncode == 0  # the container is unharmed
    finally:
        engine.docker("rm", "-f", "gaps-exec")


def test_run_as_unknown_user_is_refused_by_dockerd(engine):
    res = engine.docker("run", "--name", "gaps-nouser", "--network", "none", "-u", "nouser", "busybox", "id")
    try:
        assert res.returncode == 125
        assert res.stderr.startswith("docker: Error response from daemon: " + NOUSER + "\n"), res.stderr
        out = engine.docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}", "gaps-nouser",
                            check=True).stdout
        assert out.strip() == "created 128 " + NOUSER
    finally:
        engine.docker("rm", "-f", "gaps-nouser")
