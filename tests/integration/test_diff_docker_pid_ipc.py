"""Differential tests: --pid and --ipc joining another container's namespace, and their errors, as dockerd 20.10.

`--pid container:X` makes X's processes visible (its PID 1 is X's command); `--ipc container:X` needs X to be
`--ipc shareable`. One real docker CLI against minidockerd and dockerd 20.10 (diff_docker_fixture.py).
"""

from __future__ import annotations

import pytest

from diff_docker_fixture import norm, pair  # noqa: F401 - `pair` is the module-scoped fixture

pytestmark = pytest.mark.root

NONET = ("--network", "none")


@pytest.fixture(scope="module")
def donors(pair):
    for side in (pair.real, pair.mini):
        for args in (("--name", "pd1"), ("--name", "pd2", "--ipc", "shareable")):
            made = side("run", "-d", *NONET, *args, "busybox", "sleep", "600")
            assert made.returncode == 0, made
    yield
    for side in (pair.real, pair.mini):
        side("rm", "-f", "pd1", "pd2")


def test_pid_container_mode_shows_the_other_containers_processes(pair, donors):
    real, mini = pair.both("run", "--rm", *NONET, "--pid", "container:pd1", "busybox", "cat", "/proc/1/cmdline")
    assert (mini.returncode, mini.stdout) == (real.returncode, real.stdout) == (0, "sleep\x00600\x00")


def test_ipc_container_mode_joins_a_shareable_donor(pair, donors):
    same = []
    for side in (pair.real, pair.mini):
        donor = side("exec", "pd2", "readlink", "/proc/1/ns/ipc").stdout
        joined = side("run", "--rm", *NONET, "--ipc", "container:pd2", "busybox", "readlink", "/proc/self/ns/ipc")
        assert joined.returncode == 0, joined
        same.append(joined.stdout == donor)
    assert same == [True, True]


@pytest.mark.parametrize("args", [
    ("--pid", "container:nosuch"),
    ("--pid", "bogus"),
    ("--ipc", "container:pd1"),
    ("--ipc", "container:nosuch"),
    ("--ipc", "bogus"),
])
def test_errors(pair, donors, args):
    real, mini = pair.both("run", "--rm", *NONET, *args, "busybox", "true")
    assert (mini.returncode, norm(mini.stderr)) == (real.returncode, norm(real.stderr)), (real.stderr, mini.stderr)
