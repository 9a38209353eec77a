"""Our own CLI's new verbs and flags against the real docker CLI on the same minidockerd, restart policies
across a daemon restart, and detach keys typed into a real terminal (a pty) for both CLIs.

The real docker CLI is the reference for what the minidocker CLI prints; the daemon restart has no real
dockerd counterpart here (ours keeps containers running across restarts, as dockerd with live-restore).
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

import pytest

from diff_docker_fixture import norm, poll
from engine_fixture import DOCKER, engine  # noqa: F401 - module-scoped fixture

pytestmark = pytest.mark.root


def ours_and_docker(engine, *args: str):
    return engine.cli(*args), engine.docker(*args)


def same(engine, *args: str):
    ours, docker = ours_and_docker(engine, *args)
    assert (ours.returncode, norm(ours.stdout)) == (docker.returncode, norm(docker.stdout)), (args, ours, docker)
    return ours, docker


def status(engine, name: str) -> str:
    return engine.docker("inspect", "--format", "{{.State.Status}} {{.RestartCount}}", name).stdout.strip()


def test_pause_unpause_update_verbs_print_as_docker(engine):
    engine.docker("run", "-d", "--name", "cv", "--network", "none", "busybox", "sleep", "300", check=True)
    try:
        for verb in ("pause", "unpause"):
            ours = engine.cli(verb, "cv")
            assert (ours.returncode, ours.stdout) == (0, "cv\n"), ours
            docker = engine.docker(verb, "cv")
            assert docker.returncode != 0  # the same step twice: the daemon refuses it, for both CLIs
            again = engine.cli(verb, "cv")
            assert again.returncode == 1 and again.stderr == docker.stderr, (again, docker)
        ours = engine.cli("update", "--cpu-shares", "300", "-m", "40m", "--memory-swap", "80m", "--restart",
                          "on-failure:2", "cv")
        assert (ours.returncode, ours.stdout) == (0, "cv\n"), ours
        same(engine, "inspect", "--format", "{{.HostConfig.CpuShares}} {{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} "
             "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}", "cv")
        assert engine.docker("exec", "cv", "cat", "/sys/fs/cgroup/cpu/cpu.shares").stdout.strip() == "300"
        ours, docker = ours_and_docker(engine, "update", "--memory", "1k", "cv")
        assert ours.returncode == docker.returncode == 1 and ours.stderr == docker.stderr, (ours, docker)
        ours = engine.cli("update", "cv")
        assert ours.returncode == 1 and "you must provide one or more flags" in ours.stderr
        ours, docker = ours_and_docker(engine, "update", "--restart", "a:b:c", "cv")
        assert (ours.returncode, ours.stderr) == (docker.returncode, docker.stderr), (ours, docker)
    finally:
        engine.docker("rm", "-f", "cv")


def test_run_flags_of_our_cli(engine, tmp_path):
    init = same(engine, "run", "--rm", "--network", "none", "--init", "busybox", "cat", "/proc/1/cmdline")[0]
    assert init.stdout.startswith("/sbin/docker-init\0--\0cat")
    engine.cli("run", "--name", "cvsrc", "--network", "none", "-v", "/data", "busybox", "sh", "-c", "echo v > /data/f")
    try:
        same(engine, "run", "--rm", "--network", "none", "--volumes-from", "cvsrc:ro", "busybox", "sh", "-c",
             "cat /data/f; touch /data/g")
        ours = engine.cli("run", "--name", "cvnone", "--network", "none", "--log-driver", "none", "busybox", "echo", "x")
        assert (ours.returncode, ours.stdout) == (0, "x\n"), ours  # attached output still comes; nothing is kept
        ours_logs, docker_logs = ours_and_docker(engine, "logs", "cvnone")
        assert ours_logs.returncode == docker_logs.returncode == 1 and ours_logs.stderr == docker_logs.stderr
        ours, docker = ours_and_docker(engine, "run", "--rm", "--log-driver", "bogus", "busybox", "true")
        assert ours.returncode == docker.returncode == 125
        assert docker.stderr.splitlines()[0].split(": ", 1)[1] in ours.stderr
        ours = engine.cli("run", "--rm", "--network", "none", "--restart", "always", "busybox", "true")
        assert ours.returncode == 125 and "can't create 'AutoRemove' container with restart policy" in ours.stderr
    finally:
        engine.docker("rm", "-f", "-v", "cvsrc", "cvnone")


def test_restart_policies_across_a_daemon_restart(engine):
    run = ("run", "-d", "--network", "none")
    engine.docker(*run, "--name", "ra", "--restart", "always", "busybox", "sleep", "300", check=True)
    engine.docker(*run, "--name", "ru", "--restart", "unless-stopped", "busybox", "sleep", "300", check=True)
    engine.docker(*run, "--name", "rf", "--restart", "on-failure", "busybox", "sleep", "300", check=True)
    engine.docker(*run, "--name", "rn", "busybox", "sleep", "300", check=True)
    try:
        engine.docker("stop", "-t", "0", "ra", "ru", check=True)
        pid_f = int(engine.docker("inspect", "--format", "{{.State.Pid}}", "rf").stdout)
        pid_n = int(engine.docker("inspect", "--format", "{{.State.Pid}}", "rn").stdout)
        engine.stop_daemons()
        for pid in (pid_f, pid_n):  # they die while the daemon is away: it learns of it at start
            os.kill(pid, signal.SIGKILL)
        engine.start()
        poll(lambda: status(engine, "ra") == "running 0", what="always: started with the daemon even after a stop")
        poll(lambda: status(engine, "rf").startswith("running"), what="on-failure: its exit (137) restarts it")
        assert status(engine, "ru") == "exited 0"  # unless-stopped: the user stopped it
        assert status(engine, "rn") == "exited 0"
        assert engine.docker("inspect", "--format", "{{.State.ExitCode}}", "rn").stdout.strip() == "137"
    finally:
        engine.docker("rm", "-f", "ra", "ru", "rf", "rn")


def _in_pty(argv: list[str], env: dict, typed: list[tuple[bytes, bytes]], timeout: float = 30.0) -> tuple[int, bytes]:
    """Run argv on a new pty, acting as its terminal; each (wait_for, send): read until wait_for appears, then
    type send. Returns (exit code, everything read)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec the CLI on the pty
        os.execvpe(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))  # a terminal has a size
    seen = b""
    deadline = time.monotonic() + timeout
    try:
        for wait_for, send in typed:
            while wait_for not in seen:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{argv}: {wait_for!r} never came; got {seen!r}")
                if select.select([fd], [], [], left)[0]:
                    try:
                        data = os.read(fd, 4096)
                    except OSError:
                        break
                    seen += data
                    if b"\x1b[6n" in data:  # busybox's line editor asks where the cursor is: answer as a terminal
                        os.write(fd, b"\x1b[1;1R")
            os.write(fd, send)
        while True:  # to the end: the CLI exits once detached
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError(f"{argv} did not exit; got {seen!r}")
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            seen += data
        _, code = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(code), seen
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)


@pytest.mark.parametrize("client", ["minidocker", "docker"])
@pytest.mark.parametrize("how", ["default", "flag", "config"])
def test_detach_keys_typed_in_a_terminal(engine, tmp_path, client, how):
    name = f"dk-{client}-{how}"
    keys = {"default": b"\x10\x11", "flag": b"\x01x", "config": b"\x18"}[how]
    env = dict(engine.env, MINIDOCKER_CONFIG=str(tmp_path / "mini"), DOCKER_CONFIG=str(tmp_path / "docker"))
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "config.json").write_text(json.dumps({"detachKeys": "ctrl-x"} if how == "config" else {}))
    flags = ["--detach-keys", "ctrl-a,x"] if how == "flag" else []
    base = [sys.executable, "-m", "minidocker.client.cli"] if client == "minidocker" else [DOCKER, "-H",
                                                                                            f"unix://{engine.socket}"]
    argv = base + ["run", "-it", "--name", name, "--network", "none", *flags, "busybox", "sh"]
    try:
        code, seen = _in_pty(argv, env, [(b"# ", b"echo mark$((6*7))\n"), (b"mark42", keys)])
        assert code == 0, seen
        assert engine.docker("inspect", "--format", "{{.State.Running}}", name).stdout.strip() == "true"
        # attach again and leave the same way
        # the CLI makes the shell repaint its prompt (a resize) once attached: type only then. Leaving an
        # attach with the keys is an error for docker's attach (exit 1, "read escape sequence"), not for run.
        code, seen = _in_pty(base + ["attach", *flags, name], env, [(b"# ", b"echo back$((6*7))\n"), (b"back42", keys)])
        assert (code, seen.rstrip().endswith(b"read escape sequence")) == (1, True), seen
        assert engine.docker("inspect", "--format", "{{.State.Running}}", name).stdout.strip() == "true"
    finally:
        engine.docker("rm", "-f", name)
