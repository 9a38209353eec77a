"""HostConfig.Ulimits -> process.rlimits, never above the engine's own hard limit."""

from __future__ import annotations

import resource

import pytest

from minidocker.dockerd.containers.ulimits import RLIM_INFINITY, rlimits
from minidocker.errors import InvalidArgument


def test_translation():
    got = rlimits([{"Name": "nofile", "Soft": 100, "Hard": 200}, {"Name": "core", "Soft": 0, "Hard": 0}])
    assert got == [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}, {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]


def test_minus_one_is_unlimited_when_we_are_unlimited():
    if resource.getrlimit(resource.RLIMIT_STACK)[1] != resource.RLIM_INFINITY:
        pytest.skip("stack hard limit is finite here")
    assert rlimits([{"Name": "stack", "Soft": -1, "Hard": -1}])[0]["hard"] == RLIM_INFINITY


def test_above_our_hard_limit_refused():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY:
        pytest.skip("nofile is unlimited here")
    with pytest.raises(InvalidArgument, match=rf"nofile=10:{hard + 1}: hard limit above .* {hard} .*CAP_SYS_RESOURCE"):
        rlimits([{"Name": "nofile", "Soft": 10, "Hard": hard + 1}])
    assert rlimits([{"Name": "nofile", "Soft": 10, "Hard": hard}])[0]["hard"] == hard


@pytest.mark.parametrize("u, text", [
    ({"Name": "bogus", "Soft": 1, "Hard": 1}, "invalid ulimit type: bogus"),
    ({"Name": "nofile", "Soft": 20, "Hard": 10}, "soft limit must be less than or equal to hard limit: 20 > 10"),
])
def test_bad_ulimits(u, text):
    with pytest.raises(InvalidArgument, match=text):
        rlimits([u])
