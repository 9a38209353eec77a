"""Which runtime binary a container gets, and the --root each one uses (never the system runc's /run/runc)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from minidocker import paths
from minidocker.containerd import runtimes
from minidocker.errors import InvalidArgument


def test_default_is_minirunc_beside_the_interpreter():
    assert runtimes.resolve("") == str(Path(sys.executable).parent / "minirunc")


@pytest.mark.skipif(shutil.which("runc") is None, reason="runc not installed")
def test_names_are_found_on_path_and_paths_kept():
    assert runtimes.resolve("runc") == shutil.which("runc")
    assert runtimes.resolve(shutil.which("runc")) == shutil.which("runc")


def test_unknown_runtime_is_refused():
    with pytest.raises(InvalidArgument, match="nope"):
        runtimes.resolve("nope-no-such-runtime")
    with pytest.raises(InvalidArgument):
        runtimes.resolve("/etc/passwd")  # exists, not executable


def test_each_runtime_has_its_own_root_under_the_run_dir(md_root):
    assert runtimes.root_for("/x/minirunc") == str(paths.runc_root())
    runc_root = runtimes.root_for("/usr/sbin/runc")
    assert runc_root.startswith(str(paths.run_dir())) and runc_root != str(paths.runc_root())
    assert os.path.basename(runc_root) == "runc"


def test_commands_minirunc_started_lean_and_named(md_root, tmp_path):
    import subprocess

    assert runtimes.command_for("/usr/sbin/runc") == ["/usr/sbin/runc"]
    cmd = runtimes.command_for(runtimes.resolve(""))
    link = Path(cmd[0])
    assert link.name == "minirunc" and link.is_symlink() and link.is_relative_to(paths.run_dir())
    assert cmd[1:3] == ["-I", "-S"]
    assert runtimes.command_for(runtimes.resolve("")) == cmd  # the link is made once and reused
    proc = subprocess.Popen(cmd + ["--root", str(tmp_path / "r"), "list"], stdout=subprocess.PIPE, text=True)
    # Popen may return a moment before the kernel renames the child during exec (vfork is released first).
    deadline = time.monotonic() + 10
    while (name := Path(f"/proc/{proc.pid}/comm").read_text().strip()) != "minirunc" and time.monotonic() < deadline:
        time.sleep(0.001)
    assert name == "minirunc"  # ps shows the runtime, not python
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and out.startswith("ID")
