"""The shim starts on every `run`: it must import with the standard library alone (-I -S), never grpc."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import minidocker

PACKAGE_PARENT = str(Path(minidocker.__file__).resolve().parents[1])


def test_shim_imports_stdlib_only_and_lean():
    code = ("import sys; sys.path.insert(0, %r); import minidocker.shim.main, minidocker.shim.server, "
            "minidocker.shim.service, minidocker.shim.rootfs; "
            "heavy = sorted({'grpc', 'google', 'argparse', 'typing', 'dataclasses', 'psutil'} & set(sys.modules)); "
            "print(','.join(heavy))") % PACKAGE_PARENT
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_shim_usage_errors_are_one_line_and_nonzero():
    code = "import sys; sys.path.insert(0, %r); from minidocker.shim.main import main; sys.exit(main(sys.argv[1:]))"
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code % PACKAGE_PARENT, "--id", "x"],
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "missing --bundle --address --run-dir" in out.stderr
