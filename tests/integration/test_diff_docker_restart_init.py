"""Differential tests of restart policies, --init, --volumes-from and log drivers against dockerd 20.10.

Same method as the other test_diff_docker_* files: one real docker CLI, two daemons, exit code and
normalised output compared. Restarts are awaited by polling both daemons' RestartCount, never by sleeping.
"""

from __future__ import annotations

import pytest

from diff_docker_fixture import norm, pair, poll, same  # noqa: F401 - `pair` is the module-scoped fixture

pytestmark = pytest.mark.root

NONET = ("--network", "none")


def state(fn, name: str) -> str:
    return fn("inspect", "--format", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}", name).stdout.strip()


def test_on_failure_restarts_up_to_its_maximum(pair):
    same(pair, "run", "-d", "--name", "rf", *NONET, "--restart", "on-failure:2", "busybox", "sh", "-c", "echo run; exit 3")
    for fn in (pair.real, pair.mini):
        poll(lambda: state(fn, "rf") == "exited 2 3", timeout=30, what="two restarts, then exited")
    same(pair, "logs", "rf")  # three runs, three lines
    same(pair, "inspect", "--format", "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}",
         "rf")
    same(pair, "start", "rf")  # a manual start counts from 0 again
    for fn in (pair.real, pair.mini):
        poll(lambda: state(fn, "rf") == "exited 2 3", timeout=30, what="two restarts after the manual start")
    same(pair, "rm", "rf")


def test_on_failure_leaves_a_clean_exit_alone_and_always_restarts_it(pair):
    same(pair, "run", "-d", "--name", "ok", *NONET, "--restart", "on-failure", "busybox", "true")
    for fn in (pair.real, pair.mini):
        poll(lambda: state(fn, "ok") == "exited 0 0", what="exited once")
    same(pair, "run", "-d", "--name", "al", *NONET, "--restart", "always", "busybox", "sh", "-c", "echo x; sleep 0.2")
    for fn in (pair.real, pair.mini):
        poll(lambda: int(state(fn, "al").split()[1]) >= 3, timeout=30, what="three restarts")
    same(pair, "stop", "-t", "1", "al")  # stop is respected: no restart after it
    same(pair, "inspect", "--format", "{{.State.Status}} {{.State.Restarting}} {{.State.Running}}", "al")
    same(pair, "rm", "ok", "al")


def test_unless_stopped_and_kill(pair):
    same(pair, "run", "-d", "--name", "us", *NONET, "--restart", "unless-stopped", "busybox", "sleep", "300")
    same(pair, "kill", "us")  # a kill is a manual stop too
    same(pair, "inspect", "--format", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}", "us")
    same(pair, "rm", "us")


@pytest.mark.parametrize("policy", ["bogus", "always:2", "on-failure:-1", "no:1"])
def test_restart_policy_refusals(pair, policy):
    same(pair, "run", "--rm", *NONET, "--restart", policy, "busybox", "true")


def test_restart_policy_and_rm_conflict(pair):
    same(pair, "run", "--rm", *NONET, "--restart", "always", "busybox", "true")


def test_init_runs_tini_as_pid_1(pair):
    same(pair, "run", "--rm", *NONET, "--init", "busybox", "sh", "-c",
         "tr '\\0' ' ' < /proc/1/cmdline; echo; ls -l /sbin/docker-init | cut -c1-10")
    same(pair, "run", "--rm", *NONET, "--init", "busybox", "sh", "-c", "exit 7")
    same(pair, "run", "-d", "--name", "ini", *NONET, "--init", "busybox", "sleep", "300")
    same(pair, "inspect", "--format", "{{.HostConfig.Init}} {{.Path}} {{.Args}}", "ini")
    same(pair, "top", "ini", "-o", "args")
    same(pair, "stop", "-t", "5", "ini")  # tini forwards SIGTERM: sleep dies at once
    same(pair, "inspect", "--format", "{{.State.ExitCode}}", "ini")
    same(pair, "rm", "ini")


def test_volumes_from(pair, tmp_path):
    same(pair, "run", "--name", "vsrc", *NONET, "-v", "/data", "-v", f"{tmp_path}:/host", "busybox", "sh", "-c",
         "echo hi > /data/f")
    same(pair, "run", "--rm", *NONET, "--volumes-from", "vsrc", "busybox", "sh", "-c", "cat /data/f; echo b > /host/b")
    assert (tmp_path / "b").read_text() == "b\n"
    same(pair, "run", "--rm", *NONET, "--volumes-from", "vsrc:ro", "busybox", "sh", "-c", "touch /data/g")
    same(pair, "create", "--name", "vuse", *NONET, "--volumes-from", "vsrc:ro", "-v", "/data2", "busybox", "true")
    real, mini = pair.both("inspect", "--format", "{{range .Mounts}}{{.Type}} {{.Destination}} {{.Mode}} {{.RW}} "
                           "{{.Driver}};{{end}} {{.HostConfig.VolumesFrom}}", "vuse")
    # dockerd lists Mounts in its map's (random) order: compare them sorted
    assert sorted(mini.stdout.split(";")) == sorted(real.stdout.split(";")), (real.stdout, mini.stdout)
    same(pair, "run", "--rm", *NONET, "--volumes-from", "nosuch", "busybox", "true")
    same(pair, "run", "--rm", *NONET, "--volumes-from", "vsrc:rshared", "busybox", "true")
    same(pair, "rm", "-v", "vuse", "vsrc")


def test_log_drivers(pair):
    same(pair, "run", "--name", "lnone", *NONET, "--log-driver", "none", "busybox", "echo", "hidden")
    same(pair, "logs", "lnone")
    same(pair, "run", "--name", "llocal", *NONET, "--log-driver", "local", "busybox", "sh", "-c", "echo out; echo err >&2")
    same(pair, "logs", "llocal")
    same(pair, "inspect", "--format", "{{.HostConfig.LogConfig.Type}} [{{.LogPath}}]", "llocal", "lnone")
    same(pair, "run", "--rm", *NONET, "--log-driver", "bogus", "busybox", "true")
    same(pair, "run", "--rm", *NONET, "--log-opt", "foo=bar", "busybox", "true")
    same(pair, "run", "--rm", *NONET, "--log-driver", "local", "--log-opt", "tag=x", "busybox", "true")
    same(pair, "run", "--rm", *NONET, "--log-opt", "mode=sometimes", "busybox", "true")
    same(pair, "rm", "lnone", "llocal")
