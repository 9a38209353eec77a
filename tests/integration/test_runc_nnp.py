"""process.noNewPrivileges exactly as config.json says, seccomp profile or not: libseccomp's filter
attribute SCMP_FLTATR_CTL_NNP is turned off (as runc does), so loading a filter never sets no_new_privs
by itself. The same bundle runs under runc and minirunc and the container must see the same flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runc_fixture import bundle, configure, runtimes  # noqa: F401 - fixtures

pytestmark = pytest.mark.root

PROFILE = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
PROBE = "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; mkdir /tmp/x 2>/dev/null || echo MKDIR-REFUSED"


@pytest.mark.parametrize("nnp", [False, True])
@pytest.mark.parametrize("uid", [0, 1000])
def test_no_new_privs_only_when_asked(runtimes, bundle: Path, nnp: bool, uid: int) -> None:
    configure(bundle, args=["sh", "-c", PROBE])
    spec = json.loads((bundle / "config.json").read_text())
    spec["process"]["noNewPrivileges"] = nnp
    spec["process"]["user"] = {"uid": uid, "gid": uid}
    spec["linux"]["seccomp"] = PROFILE
    spec["root"]["readonly"] = False
    (bundle / "config.json").write_text(json.dumps(spec))
    seen = {}
    for runtime in ("runc", "minirunc"):
        done = runtimes(runtime, "run", "--bundle", str(bundle), runtimes.new_id("nnp"))
        assert done.returncode == 0, f"{runtime}: {done.stderr}"
        seen[runtime] = done.stdout.splitlines()
    assert seen["minirunc"] == [f"NoNewPrivs:\t{int(nnp)}", "Seccomp:\t2", "MKDIR-REFUSED"]
    assert seen["minirunc"] == seen["runc"]


def test_exec_keeps_the_containers_no_new_privs(runtimes, bundle: Path) -> None:
    configure(bundle, args=["sleep", "60"])
    spec = json.loads((bundle / "config.json").read_text())
    spec["process"]["noNewPrivileges"] = False
    spec["linux"]["seccomp"] = PROFILE
    (bundle / "config.json").write_text(json.dumps(spec))
    seen = {}
    for runtime in ("runc", "minirunc"):
        cid = runtimes.new_id("nnpx")
        assert runtimes(runtime, "run", "-d", "--bundle", str(bundle), cid).returncode == 0
        plain = runtimes(runtime, "exec", cid, "grep", "-E", "^(NoNewPrivs|Seccomp):", "/proc/self/status")
        asked = runtimes(runtime, "exec", "--no-new-privs", cid, "grep", "^NoNewPrivs:", "/proc/self/status")
        seen[runtime] = (plain.stdout, asked.stdout)
    assert seen["minirunc"] == ("NoNewPrivs:\t0\nSeccomp:\t2\n", "NoNewPrivs:\t1\n")
    assert seen["minirunc"] == seen["runc"]
