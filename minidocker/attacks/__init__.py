"""Container escapes performed for real against the engine, to prove (tests) and to teach (chapter 10) that they fail.

Each module mirrors one published CVE class: it builds the attacker's image or process, runs the
attack through the ordinary CLI, and reports what the attack managed. Attacks aim only at paths and
ports the caller created (a marker file, a listener), never at the machine's own files.
The engine never imports this package.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Callable

# `status(*args) -> (exit code, output)`: the minidocker CLI against some engine (teach.Engine.status).
Status = Callable[..., "tuple[int, str]"]


def must(status: Status, *args: str) -> str:
    """Run a CLI command that has to succeed for the attack to be meaningful; its output."""
    code, out = status(*args)
    if code != 0:
        raise RuntimeError(f"minidocker {' '.join(args)} exited {code}: {out.strip()}")
    return out


def compiler() -> str | None:
    """The host's C compiler: the attacker builds their programs on their own machine."""
    return shutil.which("cc") or shutil.which("gcc")


def compile_c(source: Path, out: Path, *flags: str) -> Path:
    """cc -O1 FLAGS -o OUT SOURCE (static programs run inside busybox, which has no libc)."""
    cc = compiler()
    if cc is None:
        raise RuntimeError(f"no C compiler (cc) to build {out.name}")
    subprocess.run([cc, "-O1", *flags, "-o", str(out), str(source)], check=True, capture_output=True)
    return out
