"""Differential tests for the gaps closed in tests/integration/test_dockerd_gaps_api.py: the same docker CLI
command against minidockerd and the real dockerd 20.10 must agree (exit code, normalised stdout and stderr)."""

from __future__ import annotations

import pytest

from diff_docker_fixture import norm, pair, poll  # noqa: F401 - `pair` is the module-scoped fixture

pytestmark = pytest.mark.root

NONET = ("--network", "none")


def same(pair, *args: str, stderr: bool = True):
    real, mini = pair.both(*args)
    assert mini.returncode == real.returncode, (args, real, mini)
    assert norm(mini.stdout) == norm(real.stdout), (args, real.stdout, mini.stdout)
    if stderr:
        assert norm(mini.stderr) == norm(real.stderr), (args, real.stderr, mini.stderr)
    return real, mini


def test_prunes_and_plugins_agree(pair):
    same(pair, "builder", "prune", "-f")
    same(pair, "system", "prune", "-f")
    same(pair, "plugin", "ls")
    same(pair, "plugin", "inspect", "nosuch")


def test_create_validation_agrees(pair):
    for opts in (("--cap-add", "NOSUCH"), ("--cap-drop", "nosuch"), ("--oom-score-adj", "2000"),
                 ("--cpu-period", "500"), ("--memory-reservation", "1k"), ("--cpuset-cpus", "abc")):
        same(pair, "create", *opts, "busybox", "true")
    same(pair, "run", "--rm", *NONET, "--pids-limit", "-5", "busybox", "cat", "/sys/fs/cgroup/pids/pids.max")
    same(pair, "run", "--rm", *NONET, "--ulimit", "nofile=100:200", "busybox", "sh", "-c", "ulimit -n; ulimit -Hn")
    for flt in ("nosuch=1", "status=bogus", "exited=x", "publish=abc"):
        same(pair, "ps", "--filter", flt)


def test_unknown_user_agrees(pair):
    for d in (pair.real, pair.mini):
        d("run", "-d", "--name", "gd-web", *NONET, "busybox", "sleep", "300")
    try:
        same(pair, "exec", "-u", "nouser", "gd-web", "id")
        same(pair, "exec", "-d", "-u", "nouser", "gd-web", "id")
        same(pair, "exec", "-u", "root:nogrp", "gd-web", "id")
        same(pair, "exec", "gd-web", "env")
        same(pair, "run", "--name", "gd-nouser", *NONET, "-u", "nouser", "busybox", "id")
        same(pair, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}", "gd-nouser")
    finally:
        for d in (pair.real, pair.mini):
            d("rm", "-f", "gd-web", "gd-nouser")


def test_diff_and_commit_agree(pair):
    script = "touch /newfile; echo q > /tmp/q; rm /bin/ls; mkdir -p /a/b; echo > /etc/passwd; touch /ready; sleep 300"
    for d in (pair.real, pair.mini):
        d("run", "-d", "--name", "gd-p2", *NONET, "busybox", "sh", "-c", script)
        poll(lambda: "A /ready" in d("diff", "gd-p2").stdout, what="the container's changes")
    try:
        real, mini = pair.both("diff", "gd-p2")
        assert (mini.returncode, sorted(mini.stdout.splitlines())) == (real.returncode, sorted(real.stdout.splitlines()))
        same(pair, "commit", "-a", "me", "-m", "msg", "-c", 'CMD ["cat","/tmp/q"]', "-c", "ENV A=b", "gd-p2", "gd-img:v1")
        same(pair, "run", "--rm", *NONET, "gd-img:v1")
        same(pair, "run", "--rm", *NONET, "gd-img:v1", "sh", "-c", "echo $A; ls /a; test -e /bin/ls || echo gone")
        same(pair, "image", "inspect", "-f", "{{json .Config.Cmd}} {{json .Config.Env}} {{.Author}} {{.Comment}} "
             "{{len .RootFS.Layers}} {{.Parent}} {{.Size}}", "gd-img:v1")
        same(pair, "history", "--format", "{{.CreatedBy}}|{{.Comment}}|{{.Size}}", "gd-img:v1")
        same(pair, "commit", "nosuch", "x")
        same(pair, "diff", "nosuch")
    finally:
        for d in (pair.real, pair.mini):
            d("rm", "-f", "gd-p2")
            d("rmi", "gd-img:v1")


def test_add_host_and_dns_agree(pair):
    same(pair, "run", "--rm", *NONET, "--add-host", "foo:1.2.3.4", "--dns", "9.9.9.9", "--dns-search", "example.org",
         "--dns-option", "ndots:2", "busybox", "sh", "-c", "cat /etc/hosts /etc/resolv.conf")
