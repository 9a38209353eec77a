"""linux.seccomp: the profile of config.json is compiled with libseccomp and really filters system calls,
for the container's process and for processes exec'd into it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runc_fixture import bundle, configure, runtimes  # noqa: F401 - fixtures

pytestmark = pytest.mark.root

PROFILE = {
    "defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
        {"names": ["no_such_syscall_anywhere"], "action": "SCMP_ACT_ERRNO"},  # skipped, as runc does
        # kill(pid, 0) is allowed, any other signal number is refused: a rule with a condition
        {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_NE"}]},
    ],
}


def with_seccomp(bundle: Path, args: list[str]) -> None:
    configure(bundle, args=args)
    spec = json.loads((bundle / "config.json").read_text())
    spec["linux"]["seccomp"] = PROFILE
    spec["root"]["readonly"] = False
    (bundle / "config.json").write_text(json.dumps(spec))


def test_filter_refuses_the_listed_calls(runtimes, bundle: Path) -> None:
    with_seccomp(bundle, ["sh", "-c", "grep ^Seccomp: /proc/self/status; mkdir /tmp/d || echo REFUSED; "
                                      "kill -0 $$ && echo PROBE-OK; kill -TERM $$ || echo KILL-REFUSED; touch /tmp/f && echo TOUCH-OK"])
    done = runtimes("minirunc", "run", "--bundle", str(bundle), runtimes.new_id("sec"))
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "Seccomp:\t2" in out  # mode 2: a filter is installed
    assert "Permission denied" in out and "REFUSED" in out  # errnoRet 13 = EACCES
    assert "PROBE-OK" in out and "KILL-REFUSED" in out and "TOUCH-OK" in out


def test_exec_runs_under_the_same_filter(runtimes, bundle: Path) -> None:
    with_seccomp(bundle, ["sleep", "60"])
    cid = runtimes.new_id("sec")
    assert runtimes("minirunc", "run", "-d", "--bundle", str(bundle), cid).returncode == 0
    done = runtimes("minirunc", "exec", cid, "sh", "-c", "mkdir /tmp/e || echo REFUSED")
    assert "REFUSED" in done.stdout and "Permission denied" in done.stderr + done.stdout


def test_flags_are_applied_and_unknown_ones_refused(runtimes, bundle: Path) -> None:
    """linux.seccomp.flags: LOG and SPEC_ALLOW become libseccomp filter attributes, as crun applies them
    (runc 1.1 refuses any: "seccomp flags are not yet supported by runc"); the filter works the same; an
    unknown flag is refused by name before anything is created."""
    with_seccomp(bundle, ["sh", "-c", "grep ^Seccomp: /proc/self/status; mkdir /tmp/d || echo REFUSED"])
    spec = json.loads((bundle / "config.json").read_text())
    spec["linux"]["seccomp"]["flags"] = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]
    (bundle / "config.json").write_text(json.dumps(spec))
    seen = {}
    for runtime in ("crun", "minirunc"):
        done = runtimes(runtime, "run", "--bundle", str(bundle), runtimes.new_id("secf"))
        seen[runtime] = (done.returncode, done.stdout)
    assert seen["minirunc"] == (0, "Seccomp:\t2\nREFUSED\n")
    assert seen["minirunc"] == seen["crun"]
    spec["linux"]["seccomp"]["flags"] = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]
    (bundle / "config.json").write_text(json.dumps(spec))
    done = runtimes("minirunc", "run", "--bundle", str(bundle), runtimes.new_id("secf"))
    assert done.returncode != 0 and "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" in done.stderr


def test_the_compiled_program_is_kept_under_the_root_and_loaded_from_there(runtimes, bundle: Path) -> None:
    """Compiling a profile costs libseccomp ~10 ms per create: the BPF program is kept under --root, keyed
    by the profile, and the next create loads it as it is; a damaged file is compiled again."""
    from minidocker.linux.seccomp import Program
    from minidocker.runc.seccomp import CACHE_DIR, compile_filter

    def fresh(profile: dict) -> Program:
        filt = compile_filter(profile)
        try:
            return filt.program()
        finally:
            filt.release()

    with_seccomp(bundle, ["sh", "-c", "mkdir /tmp/d && echo MADE || echo REFUSED"])
    done = runtimes("minirunc", "run", "--bundle", str(bundle), runtimes.new_id("secc"))
    assert "REFUSED" in done.stdout, done.stdout + done.stderr
    kept = list((runtimes.roots["minirunc"] / CACHE_DIR).glob("*.bpf"))
    assert len(kept) == 1
    assert kept[0].read_bytes()[4:] == fresh(PROFILE).bpf  # exactly what libseccomp compiles
    # The kept program is what the next container gets: swapped for one that allows mkdir, mkdir works.
    allow_all = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ALLOW"}]}
    kept[0].write_bytes(b"\0\0\0\0" + fresh(allow_all).bpf)
    done = runtimes("minirunc", "run", "--bundle", str(bundle), runtimes.new_id("secc"))
    assert "MADE" in done.stdout, done.stdout + done.stderr
    # Cut short (not whole BPF instructions): compiled again, the filter bites again and the file is whole.
    kept[0].write_bytes(kept[0].read_bytes()[:-3])
    done = runtimes("minirunc", "run", "--bundle", str(bundle), runtimes.new_id("secc"))
    assert "REFUSED" in done.stdout, done.stdout + done.stderr
    assert kept[0].read_bytes()[4:] == fresh(PROFILE).bpf
    # Another profile, another program: kept beside the first.
    spec = json.loads((bundle / "config.json").read_text())
    spec["linux"]["seccomp"]["syscalls"][0]["errnoRet"] = 1
    (bundle / "config.json").write_text(json.dumps(spec))
    done = runtimes("minirunc", "run", "--bundle", str(bundle), runtimes.new_id("secc"))
    assert "REFUSED" in done.stdout and "Operation not permitted" in done.stderr, done.stdout + done.stderr
    assert len(list((runtimes.roots["minirunc"] / CACHE_DIR).glob("*.bpf"))) == 2
