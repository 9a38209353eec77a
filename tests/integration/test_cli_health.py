"""`minidocker run --health-*`: the same Config.Healthcheck the docker CLI sends, and the engine probing it."""

from __future__ import annotations

import json
import time

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture

pytestmark = pytest.mark.root


def _poll(fn, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := fn():
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_health_flags_reach_the_engine_and_ps_shows_the_status(engine) -> None:
    args = ("run", "-d", "--network", "none", "--health-cmd", "test -e /tmp/ok", "--health-interval", "100ms",
            "--health-retries", "2", "busybox", "sleep", "30")
    ours, theirs = engine.cli(*args), engine.docker(*args)
    try:
        assert ours.returncode == theirs.returncode == 0, (ours.stderr, theirs.stderr)
        configs = [json.loads(engine.cli("inspect", "--format", "{{json .Config.Healthcheck}}", c.stdout.strip()).stdout)
                   for c in (ours, theirs)]
        assert configs[0] == configs[1] == {"Test": ["CMD-SHELL", "test -e /tmp/ok"], "Interval": 100_000_000,
                                            "Retries": 2}
        cid = ours.stdout.strip()
        _poll(lambda: "(unhealthy)" in engine.cli("ps", "--filter", f"id={cid}").stdout)
        assert engine.cli("exec", cid, "touch", "/tmp/ok").returncode == 0
        _poll(lambda: "(healthy)" in engine.cli("ps", "--filter", f"id={cid}").stdout)
        listed = engine.cli("ps", "-q", "--no-trunc", "--filter", "health=healthy").stdout.split()
        assert cid in listed
    finally:
        engine.cli("rm", "-f", ours.stdout.strip(), theirs.stdout.strip())


@pytest.mark.parametrize("args, message", [
    (("--no-healthcheck", "--health-cmd", "true"), "--no-healthcheck conflicts with --health-* options"),
    (("--health-retries", "-1",), "--health-retries cannot be negative"),
    (("--health-interval", "soon",), 'invalid argument "soon" for "--health-interval" flag'),
])
def test_bad_health_flags_are_usage_errors(engine, args, message) -> None:
    ours, theirs = engine.cli("create", *args, "busybox"), engine.docker("create", *args, "busybox")
    assert ours.returncode == theirs.returncode == 125, (ours, theirs)
    assert message in ours.stderr and message in theirs.stderr
