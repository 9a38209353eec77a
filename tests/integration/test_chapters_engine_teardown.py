"""observe.engine_teardown: a chapter's private engine leaves no container, daemon, bridge or cgroup behind."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from engine_fixture import Engine
from minidocker import teach
from minidocker.observe import engine_teardown, shim_view

pytestmark = pytest.mark.root


def _links() -> str:
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout


def test_remove_takes_down_everything_the_engine_made(tmp_path):
    root = tmp_path / "mdroot"
    root.mkdir()
    cleaner = Engine(root)
    try:
        eng = teach.engine(root)
        eng("run", "-d", "--name", "td-a", "busybox", "sleep", "300")   # default network: the bridge is made
        pid = teach.container_pids(eng, ["td-a"])["td-a"]
        daemons = shim_view.daemon_pids(root)
        instance = engine_teardown.instance_of(root)
        suffix = instance.rsplit("-", 1)[-1]
        assert suffix in _links()
        assert any((Path("/sys/fs/cgroup") / c / instance).is_dir() for c in ("memory", "pids", "unified"))

        done = engine_teardown.remove(eng)

        assert done[0] == "1 container(s) removed"
        assert all(shim_view.wait_gone(p, timeout=15) for p in [pid, *daemons.values()])
        assert suffix not in _links()
        assert not any((Path("/sys/fs/cgroup") / c / instance).exists() for c in ("memory", "pids", "unified"))
    finally:
        cleaner.teardown()
