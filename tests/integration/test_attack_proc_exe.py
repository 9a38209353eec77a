"""CVE-2019-5736 class: no container process may open the runtime's binary through /proc/PID/exe.

A container scans /proc for a process whose exe is a python binary (the runtime, while `exec` joins
the container) and tries to read it and to open it for writing. Many execs later it must have seen
at most links it could not open, and the host's interpreter must be unchanged. A second container
shares the first one's pid namespace and scans while containers are created into it (runc's init
is visible there too).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from engine_fixture import engine  # noqa: F401
from runc_fixture import bundle, runtimes  # noqa: F401

from minidocker.attacks import proc_exe

pytestmark = pytest.mark.root
EXECS = 30


def test_exec_never_exposes_the_runtimes_binary(engine):  # noqa: F811
    before = proc_exe.interpreter_digest(sys.executable)
    proc_exe.start_scanner(engine.status, "exe-scanner")
    proc_exe.wait_scanning(engine.status, "exe-scanner")
    proc_exe.exec_many(engine.status, "exe-scanner", EXECS)
    seen = proc_exe.findings(engine.status, "exe-scanner")
    engine.cli("rm", "-f", "exe-scanner")
    assert not seen["READ"], f"a container read the host's interpreter: {seen['READ'][:3]}"
    assert not seen["WRITE"], f"a container opened the host's interpreter for writing: {seen['WRITE'][:3]}"
    assert proc_exe.interpreter_digest(sys.executable) == before


def test_a_created_init_is_out_of_reach_of_root_without_cap_sys_ptrace(runtimes, bundle):  # noqa: F811
    """Between `create` and `start` the init is the runtime's Python; a container's root (no CAP_SYS_PTRACE)
    that shares its pid namespace is played here by host root with CAP_SYS_PTRACE dropped."""
    cid = runtimes.new_id("exe")
    done = runtimes("minirunc", "create", "--bundle", str(bundle), cid)
    assert done.returncode == 0, done.stderr
    pid = runtimes.state("minirunc", cid)["pid"]
    as_root = subprocess.run(["cat", f"/proc/{pid}/exe"], capture_output=True)
    assert as_root.returncode == 0 and as_root.stdout[:4] == b"\x7fELF", "root with CAP_SYS_PTRACE reads it"
    attack = subprocess.run(["setpriv", "--bounding-set=-sys_ptrace", "--", "cat", f"/proc/{pid}/exe"], capture_output=True)
    assert attack.returncode != 0 and not attack.stdout, "a root without CAP_SYS_PTRACE opened the runtime's binary"
    assert b"Permission denied" in attack.stderr, attack.stderr
