"""Docker's default seccomp profile in every container (minidocker.oci.seccomp_default), under minirunc and runc."""

from __future__ import annotations

import os
import shutil

import pytest

from engine_fixture import Engine, engine  # noqa: F401 - `engine` is the module-scoped fixture

pytestmark = pytest.mark.root

NONET = ("--network", "none")


def seccomp_mode(eng, *opts: str) -> str:
    res = eng.docker("run", "--rm", *NONET, *opts, "busybox", "grep", "^Seccomp:", "/proc/self/status")
    assert res.returncode == 0, (res, eng.logs()[-2000:])
    return res.stdout.split()[1]


def test_default_profile_is_loaded(engine):
    assert seccomp_mode(engine) == "2"


def test_unconfined_has_no_filter(engine):
    assert seccomp_mode(engine, "--security-opt", "seccomp=unconfined") == "0"


def test_user_namespace_refused_with_eperm(engine):
    res = engine.docker("run", "--rm", *NONET, "busybox", "unshare", "-U", "true")
    assert res.returncode == 1, res
    assert "Operation not permitted" in res.stderr, res
    res = engine.docker("run", "--rm", *NONET, "--security-opt", "seccomp=unconfined", "busybox", "unshare", "-U", "true")
    assert res.returncode == 0, res


def test_personality_only_harmless_personas(engine):
    # linux32 asks for PER_LINUX32 (0x8: allowed); ADDR_NO_RANDOMIZE (-R, 0x40000) is not in the list.
    ok = engine.docker("run", "--rm", *NONET, "busybox", "linux32", "uname", "-m")
    assert (ok.returncode, ok.stdout.strip()) == (0, "i686"), ok
    bad = engine.docker("run", "--rm", *NONET, "busybox", "linux64", "-R", "true")
    assert bad.returncode != 0 and "Operation not permitted" in bad.stderr, bad
    free = engine.docker("run", "--rm", *NONET, "--security-opt", "seccomp=unconfined", "busybox", "linux64", "-R", "true")
    assert free.returncode == 0, free


def test_ordinary_commands_still_work(engine):
    script = ("ls / >/dev/null && ps >/dev/null && mkdir /tmp/d && echo hi >/tmp/d/f && cat /tmp/d/f && "
              "(httpd -f -p 127.0.0.1:8080 -h /tmp/d & sleep 0.3; wget -q -O - http://127.0.0.1:8080/f; kill $!) && "
              "sh -c 'exit 3'; echo rc=$?")
    res = engine.docker("run", "--rm", *NONET, "busybox", "sh", "-c", script)
    assert (res.returncode, res.stdout) == (0, "hi\nhi\nrc=3\n"), res


def test_exec_runs_under_the_filter(engine):
    cid = engine.docker("run", "-d", *NONET, "busybox", "sleep", "300", check=True).stdout.strip()
    try:
        res = engine.docker("exec", cid, "grep", "^Seccomp:", "/proc/self/status", check=True)
        assert res.stdout.split()[1] == "2"
        res = engine.docker("exec", cid, "unshare", "-U", "true")
        assert res.returncode == 1 and "Operation not permitted" in res.stderr, res
    finally:
        engine.docker("rm", "-f", cid)


def test_cap_add_sys_admin_lifts_the_namespace_rules(engine):
    res = engine.docker("run", "--rm", *NONET, "--cap-add", "SYS_ADMIN", "busybox", "sh", "-c",
                        "grep ^Seccomp: /proc/self/status; unshare -U true && echo unshared")
    assert res.stdout.split() == ["Seccomp:", "2", "unshared"], res


@pytest.fixture(scope="module")
def runc_engine(tmp_path_factory):
    if os.geteuid() != 0 or not shutil.which("runc"):
        pytest.skip("needs root and runc")
    root = tmp_path_factory.mktemp("spec-runc") / "mdroot"
    root.mkdir()
    eng = Engine(root, runtime="runc")
    try:
        eng.start()
        yield eng
    finally:
        eng.teardown()


def test_real_runc_accepts_the_same_profile(runc_engine):
    assert seccomp_mode(runc_engine) == "2"
    res = runc_engine.docker("run", "--rm", *NONET, "busybox", "unshare", "-U", "true")
    assert res.returncode == 1 and "Operation not permitted" in res.stderr, res
