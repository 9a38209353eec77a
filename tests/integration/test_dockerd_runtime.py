"""`minidockerd --runtime runc`: the real runc under the same chain, with the docker CLI on top."""

from __future__ import annotations

import os
import shutil

import pytest

from engine_fixture import Engine

pytestmark = pytest.mark.root


@pytest.fixture(scope="module")
def runc_engine(tmp_path_factory):
    if os.geteuid() != 0 or not shutil.which("runc"):
        pytest.skip("needs root and runc")
    root = tmp_path_factory.mktemp("runc-engine") / "mdroot"
    root.mkdir()
    eng = Engine(root, runtime="runc")
    try:
        eng.start()
        yield eng
    finally:
        eng.teardown()


def test_run_and_exec_under_real_runc(runc_engine):
    res = runc_engine.docker("run", "--name", "viarunc", "busybox", "sh", "-c", "echo via runc; exit 5")
    logs = runc_engine.docker("logs", "viarunc").stdout
    assert (res.returncode, res.stdout) == (5, "via runc\n"), (logs, runc_engine.logs())
    runc_engine.docker("rm", "viarunc", check=True)
    cid = runc_engine.docker("run", "-d", "busybox", "sleep", "1000", check=True).stdout.strip()
    try:
        assert runc_engine.docker("inspect", "-f", "{{.HostConfig.Runtime}}", cid, check=True).stdout.strip() == "runc"
        res = runc_engine.docker("exec", cid, "sh", "-c", "echo exec; exit 2")
        assert (res.returncode, res.stdout) == (2, "exec\n")
    finally:
        runc_engine.docker("rm", "-f", cid, check=True)
