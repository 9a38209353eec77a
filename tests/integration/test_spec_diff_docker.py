"""Supplementary groups (process.user.additionalGids) against the real dockerd 20.10: `id` must print the same."""

from __future__ import annotations

import pytest

from diff_docker_fixture import norm, pair  # noqa: F401 - `pair` is the module-scoped fixture

pytestmark = pytest.mark.root

NONET = ("--network", "none")


def same(pair, *args: str):
    real, mini = pair.both(*args)
    assert mini.returncode == real.returncode, (args, real, mini)
    assert norm(mini.stdout) == norm(real.stdout), (args, real.stdout, mini.stdout)
    return real, mini


@pytest.mark.parametrize("opts", [
    (), ("-u", "nobody"), ("-u", "1000"), ("-u", "1000:1000"), ("-u", "0"), ("-u", "nobody:wheel"),
    ("-u", "65534"), ("--group-add", "wheel", "--group-add", "4242"), ("-u", "nobody", "--group-add", "tty"),
])
def test_run_id_groups(pair, opts):
    real, _ = same(pair, "run", "--rm", *NONET, *opts, "busybox", "id")
    assert real.returncode == 0


def test_unknown_group_add_fails_like_docker(pair):
    real, mini = pair.both("run", "--rm", *NONET, "--group-add", "nosuchgroup", "busybox", "id")
    assert real.returncode == mini.returncode != 0, (real, mini)
    assert "nosuchgroup" in mini.stderr, mini.stderr


def test_exec_id_groups(pair):
    # (--group-add on the container also applies to exec in Docker: dockerd/execs.py does not pass it yet.)
    ids = {}
    for side in ("real", "mini"):
        run = getattr(pair, side)
        ids[side] = run("run", "-d", *NONET, "busybox", "sleep", "300").stdout.strip()
    try:
        for opts in ((), ("-u", "nobody"), ("-u", "1000:1000")):
            outs = {side: getattr(pair, side)("exec", *opts, ids[side], "id") for side in ids}
            assert outs["mini"].returncode == outs["real"].returncode == 0, outs
            assert outs["mini"].stdout == outs["real"].stdout, (opts, outs)
    finally:
        for side, cid in ids.items():
            getattr(pair, side)("rm", "-f", cid)


@pytest.mark.parametrize("opts", [
    ("--ulimit", "nofile=100:200"), ("--ulimit", "nofile=512"), ("--ulimit", "core=0:0", "--ulimit", "nproc=50:60"),
    ("--ulimit", "stack=-1:-1"),
])
def test_run_ulimits(pair, opts):
    real, _ = same(pair, "run", "--rm", *NONET, *opts, "busybox", "sh", "-c",
                   "ulimit -n; ulimit -Hn; ulimit -c; ulimit -Hc; ulimit -u; ulimit -Hu; ulimit -s; ulimit -Hs")
    assert real.returncode == 0


def test_dockerenv(pair):
    real, _ = same(pair, "run", "--rm", *NONET, "busybox", "sh", "-c",
                   "stat -c '%A %u %g %s %F %n' /.dockerenv")
    assert real.returncode == 0
    real, _ = same(pair, "run", "--rm", *NONET, "--read-only", "busybox", "test", "-f", "/.dockerenv")
    assert real.returncode == 0
