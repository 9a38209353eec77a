"""--ulimit reaches the container; a hard limit above the engine's own is refused with a clear error."""

from __future__ import annotations

import resource

import pytest

from engine_fixture import engine  # noqa: F401 - `engine` is the module-scoped fixture

pytestmark = pytest.mark.root


def test_ulimit_applied(engine):
    res = engine.docker("run", "--rm", "--network", "none", "--ulimit", "nofile=100:200", "--ulimit", "nproc=30:40",
                        "busybox", "sh", "-c", "ulimit -n; ulimit -Hn; ulimit -u; ulimit -Hu")
    assert (res.returncode, res.stdout.split()) == (0, ["100", "200", "30", "40"]), res


def test_hard_limit_above_ours_refused(engine):
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY:
        pytest.skip("nofile is unlimited here")
    res = engine.docker("run", "--rm", "--name", "toohigh", "--network", "none", "--ulimit", f"nofile=10:{hard + 1}",
                        "busybox", "true")
    assert res.returncode == 125, res
    assert f"hard limit above this engine's own hard limit {hard}" in res.stderr, res
    assert engine.docker("ps", "-aq", "--filter", "name=toohigh").stdout.strip() == ""
