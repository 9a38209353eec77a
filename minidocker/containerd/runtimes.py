"""Which OCI runtime binary runs a container, and its state root (cf. containerd's runtime options BinaryName/Root).

The default is `minirunc`, the console script beside this interpreter. A container may name another:
"runc", "crun", or a path. Each runtime gets its own --root under the run directory, so that
neither a system runc's /run/runc nor another engine instance is ever touched.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .. import paths
from ..errors import InvalidArgument

DEFAULT = "minirunc"


def resolve(name: str) -> str:
    """The absolute path of runtime `name` (empty = the default)."""
    name = name or DEFAULT
    if "/" in name:
        path = os.path.abspath(name)
    else:
        beside = Path(sys.executable).parent / name
        path = str(beside) if beside.exists() else (shutil.which(name) or "")
    if not path or not os.access(path, os.X_OK):
        raise InvalidArgument(f"unknown or unusable OCI runtime {name!r}")
    return path


def root_for(binary: str) -> str:
    """The runtime's --root: paths.runc_root() for minirunc, run/runtimes/<name> for the others."""
    name = os.path.basename(binary)
    if name == DEFAULT:
        return str(paths.runc_root())
    return str(paths.run_dir() / "runtimes" / name)


def command_for(binary: str) -> list[str]:
    """How the shim starts the runtime. Any runtime: its binary. minirunc: the interpreter isolated and
    without site (-I -S, minidocker.runc.launch), which skips site.py and the editable install's import
    finder on each of create/start/delete. The interpreter is reached through a link named "minirunc",
    because the kernel names a process after the file it executes: `ps` then shows minirunc, not python."""
    if os.path.basename(binary) != DEFAULT:
        return [binary]
    from ..runc.launch import command

    return command(python=str(_named_interpreter(DEFAULT)))


def _named_interpreter(name: str) -> Path:
    """<run>/containerd/bin/<name>: a symbolic link to this interpreter (made once, atomically)."""
    link = paths.run_dir() / "containerd" / "bin" / name
    target = os.path.realpath(sys.executable)
    if not (link.is_symlink() and os.readlink(link) == target):
        link.parent.mkdir(parents=True, exist_ok=True)
        tmp = link.with_name(f".{name}.{os.getpid()}")
        if tmp.is_symlink():
            tmp.unlink()
        os.symlink(target, tmp)
        os.replace(tmp, link)
    return link
