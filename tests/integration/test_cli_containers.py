"""The minidocker CLI end to end against a real engine (minidockerd + minicontainerd + shims + minirunc): container commands."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture

pytestmark = pytest.mark.root


def _ok(res: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert res.returncode == 0, f"exit {res.returncode}\n{res.stdout}\n{res.stderr}"
    return res


def test_run_rm_prints_output_and_exits_like_docker(engine) -> None:
    ours = engine.cli("run", "--rm", "busybox", "echo", "hi")
    theirs = engine.docker("run", "--rm", "busybox", "echo", "hi")
    assert (ours.stdout, ours.returncode) == (theirs.stdout, theirs.returncode) == ("hi\n", 0)


def test_run_splits_stdout_and_stderr_and_returns_the_exit_code(engine) -> None:
    res = engine.cli("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 7")
    assert (res.stdout, res.stderr, res.returncode) == ("out\n", "err\n", 7)


def test_run_interactive_forwards_piped_stdin_and_its_end(engine) -> None:
    data = "line\n" * 40000  # 200 kB: more than one socket buffer, and cat only ends on EOF
    res = engine.cli("run", "-i", "--rm", "busybox", "wc", "-c", input=data)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(len(data))
    echo = engine.cli("run", "-i", "--rm", "busybox", "cat", input="hello\n")
    assert echo.stdout == "hello\n"


@pytest.mark.skipif(shutil.which("script") is None, reason="needs script(1) for a pseudo-terminal")
def test_run_tty_gets_a_terminal_and_its_exit_code(engine) -> None:
    import os
    import shlex
    import sys

    cmd = shlex.join([sys.executable, "-m", "minidocker.client.cli", "run", "--rm", "-t", "busybox", "sh", "-c",
                      "tty; exit 5"])
    res = subprocess.run(["script", "-eqc", cmd, "/dev/null"], env=engine.env, capture_output=True,
                         stdin=subprocess.DEVNULL, timeout=60)
    assert res.returncode == 5, res.stdout + res.stderr
    assert b"/dev/pts/" in res.stdout and b"\r\n" in res.stdout  # a pty's line endings


def test_detached_lifecycle_ps_logs_stop_rm(engine) -> None:
    cid = _ok(engine.cli("run", "-d", "--name", "cli-web", "-e", "FOO=bar", "busybox", "sh", "-c",
                         "echo started; env | grep FOO; sleep 60")).stdout.strip()
    assert len(cid) == 64
    try:
        ps = _ok(engine.cli("ps")).stdout.splitlines()
        assert ps[0].split() == ["CONTAINER", "ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]
        row = next(line for line in ps if line.startswith(cid[:12]))
        assert row.endswith("cli-web") and " Up " in row
        assert cid[:12] in _ok(engine.cli("ps", "-q")).stdout.split()
        deadline = time.monotonic() + 10
        while "FOO=bar" not in (logs := engine.cli("logs", "cli-web")).stdout and time.monotonic() < deadline:
            time.sleep(0.1)
        assert logs.stdout == "started\nFOO=bar\n"
        state = _ok(engine.cli("inspect", "-f", "{{.State.Status}} {{.Name}}", "cli-web")).stdout
        assert state == "running /cli-web\n"
        assert _ok(engine.cli("stop", "-t", "1", "cli-web")).stdout == "cli-web\n"
        assert _ok(engine.cli("wait", "cli-web")).stdout == "137\n"  # sh as PID 1 ignores SIGTERM: killed
        assert cid[:12] not in engine.cli("ps", "-q").stdout.split()
        assert cid[:12] in engine.cli("ps", "-aq").stdout.split()
    finally:
        engine.cli("rm", "-f", "cli-web")
    assert cid[:12] not in engine.cli("ps", "-aq").stdout.split()


def test_logs_follow_ends_when_the_container_exits(engine) -> None:
    _ok(engine.cli("run", "-d", "--name", "cli-follow", "busybox", "sh", "-c", "echo a; sleep 1; echo b"))
    try:
        res = engine.cli("logs", "-f", "cli-follow", timeout=30)
        assert (res.stdout, res.returncode) == ("a\nb\n", 0)
        tail = engine.cli("logs", "--tail", "1", "-t", "cli-follow").stdout
        stamp, _, text = tail.partition(" ")
        assert text == "b\n" and stamp.endswith("Z") and "T" in stamp
    finally:
        engine.cli("rm", "-f", "cli-follow")


def test_create_then_start_attached(engine) -> None:
    _ok(engine.cli("create", "--name", "cli-created", "busybox", "sh", "-c", "echo from-start; exit 4"))
    try:
        res = engine.cli("start", "-a", "cli-created")
        assert (res.stdout, res.returncode) == ("from-start\n", 4)
    finally:
        engine.cli("rm", "cli-created")


def test_volumes_persist_between_containers(engine) -> None:
    assert _ok(engine.cli("volume", "create", "cli-vol")).stdout == "cli-vol\n"
    try:
        assert "cli-vol" in _ok(engine.cli("volume", "ls", "-q")).stdout.split()
        _ok(engine.cli("run", "--rm", "-v", "cli-vol:/data", "busybox", "sh", "-c", "echo kept > /data/f"))
        res = _ok(engine.cli("run", "--rm", "-v", "cli-vol:/data", "busybox", "cat", "/data/f"))
        assert res.stdout == "kept\n"
        inspect = _ok(engine.cli("volume", "inspect", "-f", "{{.Name}} {{.Driver}}", "cli-vol")).stdout
        assert inspect == "cli-vol local\n"
    finally:
        assert _ok(engine.cli("volume", "rm", "cli-vol")).stdout == "cli-vol\n"
    assert "cli-vol" not in engine.cli("volume", "ls", "-q").stdout.split()


def test_exec_returns_the_commands_exit_code(engine) -> None:
    _ok(engine.cli("run", "-d", "--name", "cli-exec", "busybox", "sleep", "60"))
    try:
        theirs = engine.docker("exec", "cli-exec", "true")
        if theirs.returncode != 0:
            pytest.skip(f"the engine's exec does not work yet (docker exec: {theirs.stderr.strip()})")
        res = engine.cli("exec", "cli-exec", "sh", "-c", "echo from-exec; exit 3")
        assert (res.stdout, res.returncode) == ("from-exec\n", 3)
        piped = engine.cli("exec", "-i", "cli-exec", "cat", input="via-stdin\n")
        assert piped.stdout == "via-stdin\n"
    finally:
        engine.cli("rm", "-f", "cli-exec")


def test_errors_have_dockers_text_and_exit_codes(engine) -> None:
    res = engine.cli("run", "--rm", "busybox", "nosuchcommand")
    assert res.returncode == 127 and "minidocker: Error response from daemon:" in res.stderr
    theirs = engine.docker("run", "--rm", "busybox", "nosuchcommand")
    assert theirs.returncode == res.returncode
    res = engine.cli("run", "--rm", "nosuchimage-cli:1")
    assert res.returncode == 125 and "Unable to find image 'nosuchimage-cli:1' locally" in res.stderr
    res = engine.cli("inspect", "nosuch-object")
    assert (res.stdout, res.stderr, res.returncode) == ("[]\n", "Error: No such object: nosuch-object\n", 1)
    res = engine.cli("rm", "nosuch-container")
    assert res.returncode == 1 and res.stderr.startswith("Error response from daemon: No such container")
    res = engine.cli("run", "--nosuchflag", "busybox")
    assert res.returncode == 125 and "unknown flag: --nosuchflag" in res.stderr
    _ok(engine.cli("run", "-d", "--name", "cli-busy", "busybox", "sleep", "60"))
    try:
        conflict = engine.cli("run", "--name", "cli-busy", "busybox", "true")
        assert conflict.returncode == 125 and "Conflict" in conflict.stderr
        running = engine.cli("rm", "cli-busy")
        assert running.returncode == 1 and running.stderr.startswith("Error response from daemon:")
    finally:
        engine.cli("rm", "-f", "cli-busy")


def test_ps_and_inspect_agree_with_the_docker_cli(engine) -> None:
    _ok(engine.cli("run", "-d", "--name", "cli-same", "-p", "127.0.0.1::80", "busybox", "sleep", "60"))
    try:
        for args in (["ps", "-aq"], ["ps", "-a", "--no-trunc", "-q"], ["inspect", "cli-same"], ["images"],
                     ["images", "-q"], ["volume", "ls"], ["top", "cli-same"]):
            ours, theirs = engine.cli(*args), engine.docker(*args)
            assert (ours.stdout, ours.returncode) == (theirs.stdout, theirs.returncode), args
    finally:
        engine.cli("rm", "-f", "cli-same")


def test_attach_follows_a_running_container_to_its_exit(engine) -> None:
    _ok(engine.cli("run", "-d", "--name", "cli-attach", "busybox", "sh", "-c", "sleep 1; echo late; exit 6"))
    try:
        res = engine.cli("attach", "cli-attach", timeout=30)
        assert (res.stdout, res.returncode) == ("late\n", 6)
        again = engine.cli("attach", "cli-attach")
        assert again.returncode == 1 and "You cannot attach to a stopped container" in again.stderr
    finally:
        engine.cli("rm", "-f", "cli-attach")


def test_cp_both_ways(engine, tmp_path) -> None:
    _ok(engine.cli("run", "-d", "--name", "cli-cp", "busybox", "sleep", "60"))
    try:
        src = tmp_path / "in.txt"
        src.write_text("copied in\n")
        res = engine.cli("cp", str(src), "cli-cp:/tmp/renamed.txt")
        if res.returncode != 0 and "page not found" in res.stderr:
            pytest.skip("the engine has no archive endpoints yet")
        assert res.returncode == 0, res.stderr
        assert _ok(engine.cli("cp", str(src), "cli-cp:/tmp")).returncode == 0  # into a directory: keeps its name
        (tmp_path / "dir").mkdir()
        (tmp_path / "dir" / "a").write_text("a\n")
        _ok(engine.cli("cp", str(tmp_path / "dir"), "cli-cp:/tmp/newdir"))
        back = tmp_path / "back"
        back.mkdir()
        _ok(engine.cli("cp", "cli-cp:/tmp/renamed.txt", str(back / "r.txt")))
        _ok(engine.cli("cp", "cli-cp:/tmp/in.txt", str(back)))
        _ok(engine.cli("cp", "cli-cp:/tmp/newdir", str(back / "d")))
        assert (back / "r.txt").read_text() == "copied in\n"
        assert (back / "in.txt").read_text() == "copied in\n"
        assert (back / "d" / "a").read_text() == "a\n"
    finally:
        engine.cli("rm", "-f", "cli-cp")


def test_ps_latest_includes_stopped_containers(engine) -> None:
    _ok(engine.cli("run", "-d", "--name", "cli-older", "busybox", "sleep", "60"))
    _ok(engine.cli("run", "--name", "cli-newest", "busybox", "true"))
    try:
        latest = _ok(engine.cli("ps", "-l")).stdout.splitlines()
        assert len(latest) == 2 and latest[1].endswith("cli-newest")
        assert _ok(engine.cli("ps", "-n", "2", "-q")).stdout == engine.docker("ps", "-n", "2", "-q").stdout
    finally:
        engine.cli("rm", "-f", "cli-older", "cli-newest")


def test_stats_no_stream(engine) -> None:
    _ok(engine.cli("run", "-d", "--name", "cli-stats", "--memory", "32m", "busybox", "sleep", "60"))
    try:
        lines = _ok(engine.cli("stats", "--no-stream", "cli-stats")).stdout.splitlines()
        assert [c.strip() for c in lines[0].split("   ") if c.strip()][:3] == ["CONTAINER ID", "NAME", "CPU %"]
        cells = lines[1].split()
        assert cells[1] == "cli-stats" and cells[2].endswith("%")
        assert "/ 32MiB" in lines[1]  # the memory limit from the cgroup
    finally:
        engine.cli("rm", "-f", "cli-stats")


def test_mount_and_tmpfs_flags(engine, tmp_path) -> None:
    (tmp_path / "f").write_text("host\n")
    res = engine.cli("run", "--rm", "--mount", f"type=bind,source={tmp_path},target=/c,readonly", "--tmpfs",
                     "/scratch:size=1m", "busybox", "sh", "-c", "cat /c/f; touch /c/x || echo ro; grep ' /scratch ' /proc/mounts")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[:2] == ["host", "ro"] and lines[2].startswith("tmpfs /scratch tmpfs")


def test_signals_to_the_cli_reach_the_container(engine) -> None:
    import signal
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "minidocker.client.cli", "run", "--rm", "busybox", "sh", "-c",
                             'trap "echo got INT; exit 3" INT; echo ready; while true; do sleep 0.1; done'],
                            env=engine.env, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout.readline() == "ready\n"
        proc.send_signal(signal.SIGINT)  # --sig-proxy (the default): forwarded as POST /kill?signal=INT
        out, _ = proc.communicate(timeout=30)
        assert (out, proc.returncode) == ("got INT\n", 3)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
