"""How to start minirunc cheaply from Python: the interpreter by absolute path, isolated (-I) and without
site (-S), as containerd starts its shims (cf. minidocker/containerd/shims.py).

The console script `.venv/bin/minirunc` works everywhere runc does, but its interpreter first runs
site.py, and the editable install's import finder it loads costs more than the whole runtime's own
imports. minirunc needs only the standard library and this package, so a caller that starts it on
every container (a shim) can use `command()` instead of the console script; the behaviour is the same.
"""

from __future__ import annotations

import sys
from pathlib import Path

PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
BOOT = ("import sys; sys.path.insert(0, {!r}); from minidocker.runc.cli import main; "
        "sys.exit(main())").format(PACKAGE_PARENT)


def command(python: str | None = None) -> list[str]:
    """The argv prefix that runs minirunc: append the usual arguments (`--root R create ...`)."""
    return [python or sys.executable, "-I", "-S", "-c", BOOT]
