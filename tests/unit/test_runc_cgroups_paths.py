"""cgroupsPath as runc's cgroupfs driver reads it (minidocker.runc.cgroups.resolve); reads /proc only."""

from __future__ import annotations

import os

import pytest

from minidocker.errors import Unsupported
from minidocker.runc import cgroups


def test_relative_paths_hang_below_our_own_cgroup() -> None:
    own = cgroups.own_cgroups()
    for key, path in cgroups.resolve("", "abc").items():
        point = cgroups.hierarchies()[key]
        assert path == os.path.normpath(point + own.get(key, "/") + "/abc")


def test_absolute_paths_start_at_the_hierarchy_root() -> None:
    for key, path in cgroups.resolve("/minidocker/abc", "ignored").items():
        assert path == cgroups.hierarchies()[key] + "/minidocker/abc"


@pytest.mark.parametrize("bad", ["../../../../etc", "/../../etc", "system.slice:docker:abc"])
def test_paths_out_of_the_hierarchy_or_systemd_style_are_refused(bad: str) -> None:
    with pytest.raises(Unsupported):
        cgroups.resolve(bad, "abc")
