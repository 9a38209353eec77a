"""shim/warm.py: minirunc forked from a warm interpreter, with its own stdio and exit status."""

from __future__ import annotations

import os
import signal

from minidocker.runc import launch
from minidocker.shim import warm


def test_only_minirunc_of_this_package_is_forked():
    assert warm.is_minirunc(launch.command())
    assert warm.is_minirunc(launch.command(python="/run/x/containerd/bin/minirunc"))
    assert not warm.is_minirunc(["/usr/bin/runc"])
    assert not warm.is_minirunc(["/usr/bin/crun"])
    assert not warm.is_minirunc(["/tmp/gate.py"])


def _run(args: list[str]) -> tuple[int, str, str]:
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    null = os.open(os.devnull, os.O_RDONLY)
    old = signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # as in the shim (Python's default too)
    try:
        pid = warm.spawn(args, [null, out_w, err_w])
    finally:
        signal.signal(signal.SIGPIPE, old)
        for fd in (null, out_w, err_w):
            os.close(fd)
    with os.fdopen(out_r) as out, os.fdopen(err_r) as err:
        stdout, stderr = out.read(), err.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), stdout, stderr


def test_the_forked_runtime_answers_on_its_own_stdio_and_exits():
    code, out, err = _run(["--version"])
    assert (code, err) == (0, "")
    assert out.startswith("minirunc version")


def test_the_forked_runtime_reports_failure_with_its_exit_code(tmp_path):
    code, out, err = _run(["--root", str(tmp_path), "state", "no-such-container"])
    assert code == 1 and out == ""
    assert "no-such-container" in err or "does not exist" in err
