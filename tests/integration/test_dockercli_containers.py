"""The real docker CLI (28.x) against minidockerd: run, ps, logs, exec, stop, rm, inspect, and docker's errors."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine

pytestmark = pytest.mark.root

SAMPLES = Path("/work/shared/reference/engine-api-samples")


def _poll(fn, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_run_rm_prints_output_and_leaves_nothing(engine):
    res = engine.docker("run", "--rm", "--name", "rmhi", "busybox", "echo", "hi", check=True)
    assert res.stdout == "hi\n"
    assert engine.docker("ps", "-aq", "--filter", "name=rmhi", check=True).stdout.strip() == ""


def test_run_exit_code_and_streams(engine):
    res = engine.docker("run", "--name", "fg", "busybox", "sh", "-c", "echo out; echo err >&2; exit 7")
    assert res.returncode == 7
    assert res.stdout == "out\n"
    assert "err\n" in res.stderr
    ps = engine.docker("ps", "-a", "--filter", "name=fg", "--format", "{{.Names}} {{.Status}}", check=True).stdout
    assert re.match(r"^fg Exited \(7\) .* ago$", ps.strip()), ps
    engine.docker("rm", "fg", check=True)


def test_run_interactive_with_piped_stdin(engine):
    res = engine.docker("run", "-i", "--rm", "busybox", "sh", "-c", "tr a-z A-Z; echo done", input="hello stdin\n",
                        check=True)
    assert res.stdout == "HELLO STDIN\ndone\n"


def test_detached_container_ps_logs_inspect_exec_stop_rm(engine):
    res = engine.docker("run", "-d", "--name", "web", "-e", "FOO=bar", "busybox", "sh", "-c",
                        "echo started; echo err >&2; env | grep FOO; exec sleep 1000", check=True)
    cid = res.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", cid)
    ps = engine.docker("ps", "--format", "{{.ID}} {{.Names}} {{.Status}} {{.Command}}", check=True).stdout
    assert re.search(rf"^{cid[:12]} web Up .*\"sh -c 'echo started", ps, re.M), ps
    logs = _poll(lambda: (lambda r: r if "FOO=bar" in r.stdout else None)(engine.docker("logs", "web")), what="logs")
    assert logs.stdout == "started\nFOO=bar\n" and logs.stderr == "err\n"
    # stdout and stderr are copied by separate threads: which line is last in the log may vary.
    stamped = engine.docker("logs", "--tail", "1", "-t", cid[:8], check=True)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (FOO=bar|err)\n",
                        stamped.stdout + stamped.stderr), stamped
    data = json.loads(engine.docker("inspect", "web", check=True).stdout)[0]
    assert data["Id"] == cid and data["Name"] == "/web"
    assert data["State"]["Running"] is True and data["State"]["Pid"] > 0
    assert "FOO=bar" in data["Config"]["Env"] and data["Config"]["Hostname"] == cid[:12]
    assert data["Path"] == "sh" and data["Args"][0] == "-c"
    top = engine.docker("top", "web", check=True).stdout.splitlines()
    assert top[0].split() == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    assert any(line.endswith("sleep 1000") for line in top[1:]), top
    ex = engine.docker("exec", "web", "sh", "-c", "echo from-exec; exit 3")
    assert (ex.returncode, ex.stdout) == (3, "from-exec\n")
    ex = engine.docker("exec", "-i", "web", "cat", input="through exec\n")
    assert (ex.returncode, ex.stdout) == (0, "through exec\n")
    engine.docker("stop", "-t", "1", "web", check=True)
    data = json.loads(engine.docker("inspect", "web", check=True).stdout)[0]
    assert data["State"]["Status"] == "exited" and data["State"]["ExitCode"] == 137  # PID 1 ignores SIGTERM: KILLed after -t 1
    engine.docker("rm", "web", check=True)
    assert engine.docker("inspect", "web").returncode == 1


def test_logs_follow_ends_with_the_container(engine):
    cid = engine.docker("run", "-d", "busybox", "sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.2; done",
                        check=True).stdout.strip()
    res = engine.docker("logs", "-f", cid, timeout=30, check=True)
    assert res.stdout == "line1\nline2\nline3\n"
    engine.docker("rm", "-f", cid, check=True)


def test_stop_a_stopped_container_and_rm_force_a_running_one(engine):
    cid = engine.docker("run", "-d", "busybox", "sleep", "1000", check=True).stdout.strip()
    assert engine.docker("rm", "-f", cid, check=True).stdout.strip() == cid
    assert engine.docker("ps", "-aq", "--no-trunc", check=True).stdout.split().count(cid) == 0
    cid = engine.docker("create", "busybox", "true", check=True).stdout.strip()
    res = engine.docker("stop", cid)  # 304 from the API: the CLI still prints the name and succeeds
    assert res.returncode == 0
    engine.docker("rm", cid, check=True)


def test_inspect_has_the_keys_docker_shows(engine):
    sample = json.loads((SAMPLES / "inspect-1.json").read_text())["response"]
    cid = engine.docker("create", "--name", "shape", "-v", "/data", "-p", "8080:80", "--memory", "64m", "busybox",
                        "sleep", "1", check=True).stdout.strip()
    data = json.loads(engine.docker("inspect", cid, check=True).stdout)[0]
    for section in (None, "State", "HostConfig", "Config", "NetworkSettings"):
        want = set(sample[section] if section else sample)
        have = set(data[section] if section else data)
        assert want <= have, (section, sorted(want - have))
    assert data["HostConfig"]["Memory"] == 64 * 1024 * 1024
    assert data["HostConfig"]["MemorySwap"] == 2 * 64 * 1024 * 1024
    assert data["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}
    assert [m["Type"] for m in data["Mounts"]] == ["volume"] and data["Mounts"][0]["Destination"] == "/data"
    assert data["State"]["Status"] == "created"
    anonymous = data["Mounts"][0]["Name"]
    assert anonymous in engine.docker("volume", "ls", "-q", check=True).stdout.split()
    engine.docker("rm", "-v", cid, check=True)
    assert anonymous not in engine.docker("volume", "ls", "-q", check=True).stdout.split()


def test_bad_input_gets_dockers_errors(engine):
    res = engine.docker("run", "--pull", "never", "nosuchimage")
    assert res.returncode == 125
    assert "Error response from daemon: No such image: nosuchimage:latest" in res.stderr

    first = engine.docker("create", "--name", "dup", "busybox", "true", check=True).stdout.strip()
    res = engine.docker("run", "--name", "dup", "busybox", "true")
    assert res.returncode == 125
    assert (f'Conflict. The container name "/dup" is already in use by container "{first}". '
            "You have to remove (or rename) that container to be able to reuse that name.") in res.stderr
    engine.docker("rm", "dup", check=True)

    cid = engine.docker("run", "-d", "busybox", "sleep", "1000", check=True).stdout.strip()
    res = engine.docker("rm", cid)
    assert res.returncode == 1
    assert (f"You cannot remove a running container {cid}. Stop the container before attempting removal "
            "or force remove") in res.stderr
    engine.docker("kill", cid, check=True)
    _poll(lambda: json.loads(engine.docker("inspect", cid).stdout)[0]["State"]["Status"] == "exited", what="exit")
    res = engine.docker("exec", cid, "true")
    assert res.returncode != 0 and f"Container {cid} is not running" in res.stderr
    engine.docker("rm", cid, check=True)

    res = engine.docker("rm", "nosuch")
    assert res.returncode == 1 and "Error response from daemon: No such container: nosuch" in res.stderr
    res = engine.docker("run", "--rm", "busybox", "nosuchcommand")
    assert res.returncode == 127 and "executable file not found" in res.stderr
    res = engine.docker("exec", "--bogus-flag", "x", "true")
    assert res.returncode == 125 and "unknown flag: --bogus-flag" in res.stderr


def test_wait_kill_restart_and_prune(engine):
    cid = engine.docker("run", "-d", "busybox", "sleep", "1000", check=True).stdout.strip()
    engine.docker("kill", "-s", "KILL", cid, check=True)
    assert engine.docker("wait", cid, check=True).stdout.strip() == "137"
    engine.docker("restart", "-t", "1", cid, check=True)
    assert json.loads(engine.docker("inspect", cid).stdout)[0]["State"]["Running"] is True
    engine.docker("kill", cid, check=True)
    engine.docker("wait", cid, check=True)
    res = engine.docker("container", "prune", "-f", check=True)
    assert cid in res.stdout
    assert engine.docker("ps", "-aq", "--no-trunc", check=True).stdout.split().count(cid) == 0


def test_named_volume_and_bind_mount(engine, tmp_path):
    host = tmp_path / "host"
    host.mkdir()
    (host / "f.txt").write_text("from the host\n")
    engine.docker("volume", "create", "vol1", check=True)
    res = engine.docker("run", "--rm", "-v", f"{host}:/data:ro", "-v", "vol1:/v", "busybox", "sh", "-c",
                        "cat /data/f.txt; echo kept > /v/k; touch /data/nope 2>/dev/null || echo ro", check=True)
    assert res.stdout == "from the host\nro\n"
    res = engine.docker("run", "--rm", "-v", "vol1:/v", "busybox", "cat", "/v/k", check=True)
    assert res.stdout == "kept\n"
    ls = engine.docker("volume", "ls", "--format", "{{.Driver}} {{.Name}}", check=True).stdout
    assert "local vol1" in ls
    mountpoint = json.loads(engine.docker("volume", "inspect", "vol1", check=True).stdout)[0]["Mountpoint"]
    assert Path(mountpoint, "k").read_text() == "kept\n"
    engine.docker("volume", "rm", "vol1", check=True)
    assert not Path(mountpoint).exists()


def test_cp_in_and_out_running_and_stopped(engine, tmp_path):
    src = tmp_path / "f.txt"
    src.write_text("copied in\n")
    cid = engine.docker("run", "-d", "busybox", "sleep", "1000", check=True).stdout.strip()
    engine.docker("cp", str(src), f"{cid}:/f.txt", check=True)
    assert engine.docker("exec", cid, "cat", "/f.txt", check=True).stdout == "copied in\n"
    engine.docker("cp", f"{cid}:/etc", str(tmp_path / "etc"), check=True)
    assert (tmp_path / "etc" / "passwd").read_text().startswith("root:x:0:0:")
    res = engine.docker("cp", f"{cid}:/nosuch", str(tmp_path / "x"))
    assert res.returncode == 1 and "Could not find the file /nosuch in container" in res.stderr
    # A symlink inside the container must not lead a copy onto the host.
    engine.docker("exec", cid, "ln", "-s", "/", "/escape", check=True)
    engine.docker("cp", str(src), f"{cid}:/escape/", check=True)
    assert engine.docker("exec", cid, "cat", "/f.txt", check=True).stdout == "copied in\n"
    assert not Path("/f.txt").exists()
    engine.docker("stop", "-t", "0", cid, check=True)
    engine.docker("cp", f"{cid}:/f.txt", str(tmp_path / "back.txt"), check=True)
    assert (tmp_path / "back.txt").read_text() == "copied in\n"
    engine.docker("rm", cid, check=True)
