"""CVE-2021-41091 class: an ordinary host user must reach neither image layers' setuid programs nor secrets.

The engine runs under a root whose parents every user may traverse (as /var/lib is), so only the
engine's own permissions stand between `nobody` and its files. A container runs from an image with
a setuid-root program and a `-e` secret; the probe, as nobody, walks the root, runs every setuid-root
program it reaches and reads every file it can. It must get neither. Restarting the daemons over a
root an older version left 0755 must lock it down too.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from engine_fixture import Engine

from minidocker.attacks import layer_access

NOBODY = 65534
pytestmark = [pytest.mark.root,
              pytest.mark.skipif(shutil.which("cc") is None or shutil.which("setpriv") is None,
                                 reason="needs cc (the setuid program) and setpriv (to become nobody)")]


@pytest.fixture(scope="module")
def open_engine():
    """An engine whose root's parents are traversable by every user, removed afterwards."""
    parent = Path(tempfile.mkdtemp(prefix="md-perm-", dir="/var/tmp"))
    os.chmod(parent, 0o711)
    eng = Engine(parent / "mdroot")
    try:
        eng.start()
        yield eng
    finally:
        eng.teardown()
        shutil.rmtree(parent, ignore_errors=True)


def _victim(eng: Engine, work: Path) -> str:
    secret = "s3cret-" + secrets.token_hex(8)
    layer_access.build_image(eng.status, "suid-image", work)
    code, out = eng.status("run", "-d", "--name", "victim", "-e", f"API_TOKEN={secret}", "suid-image", "sleep", "300")
    assert code == 0, out
    return secret


def test_nobody_reaches_no_setuid_program_and_no_secret(open_engine, tmp_path):
    secret = _victim(open_engine, tmp_path)
    seen = layer_access.probe_as(0, open_engine.root, secret)
    assert any(r == "euid=0" for r in seen["setuid_runs"].values()), "the probe itself must find the program as root"
    assert seen["secret_in"], "the probe itself must find the secret as root"
    found = layer_access.probe_as(NOBODY, open_engine.root, secret)
    assert not found["setuid_runs"], f"nobody ran an image's setuid-root program: {found['setuid_runs']}"
    assert not found["secret_in"], f"nobody read the container's secret in {found['secret_in']}"


def test_a_root_left_open_by_an_older_install_is_locked_down_on_start(open_engine, tmp_path):
    state = open_engine.root / "lib"
    for path in (state, state / "containers", state / "containerd", state / "containerd" / "snapshots",
                 open_engine.root / "run" / "containerd"):
        os.chmod(path, 0o755)
    open_engine.restart_daemons()
    secret = "s3cret-" + secrets.token_hex(8)
    code, out = open_engine.status("run", "-d", "--name", "victim2", "-e", f"API_TOKEN={secret}", "busybox", "sleep", "300")
    assert code == 0, out
    found = layer_access.probe_as(NOBODY, open_engine.root, secret)
    assert not found["setuid_runs"] and not found["secret_in"], found
    assert (state.stat().st_mode & 0o777) == 0o710


def test_nobody_cannot_talk_to_the_api_socket(open_engine):
    """The socket is root's and the minidocker group's (0660): whoever talks to it is root."""
    sock = open_engine.socket
    assert sock.stat().st_mode & 0o777 == 0o660
    connect = ("import socket, sys; s = socket.socket(socket.AF_UNIX)\n"
               "try: s.connect(sys.argv[1])\nexcept PermissionError: print('refused')\nelse: print('connected')")
    out = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "/usr/bin/python3", "-I",
                          "-c", connect, str(sock)], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "refused", out.stdout + out.stderr
