"""--network container:<name>: a name is resolved; a failed start of a --rm container still removes it."""

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture

pytestmark = pytest.mark.root


def test_joining_a_running_container_by_name_shares_its_network(engine):
    engine.cli("rm", "-f", "joined-host")
    assert engine.cli("run", "-d", "--name", "joined-host", "busybox", "sleep", "60").returncode == 0
    try:
        mine = engine.docker("run", "--rm", "--network", "container:joined-host", "busybox", "ip", "-o", "-4", "addr", timeout=30)
        theirs = engine.cli("exec", "joined-host", "ip", "-o", "-4", "addr")
        assert mine.returncode == 0, mine.stderr
        assert mine.stdout.split("\n")[0] == theirs.stdout.split("\n")[0] and "eth0" in mine.stdout
    finally:
        engine.cli("rm", "-f", "joined-host")


@pytest.mark.parametrize("target, message", [("stopped-host", "non running container"), ("nosuch", "No such container: nosuch")])
def test_a_failed_start_of_an_auto_removed_container_removes_it(engine, target, message):
    engine.cli("rm", "-f", "stopped-host")
    assert engine.cli("create", "--name", "stopped-host", "busybox", "true").returncode == 0
    before = set(engine.cli("ps", "-aq").stdout.split())
    try:
        out = engine.docker("run", "--rm", "--network", f"container:{target}", "busybox", "true", timeout=30)
        assert out.returncode == 125 and message in out.stderr
        assert set(engine.cli("ps", "-aq").stdout.split()) == before  # nothing left behind
    finally:
        engine.cli("rm", "-f", "stopped-host")
