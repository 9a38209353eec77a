"""A warm runtime: minirunc forked from the shim's own interpreter, its modules imported once per shim
(cf. Android's zygote, or a fork server: no interpreter start and no imports per runtime command).

containerd-shim-runc-v2 exec()s runc for each of create, start, kill and delete; runc is a compiled
program and starts in a few milliseconds. minirunc is Python: a fresh interpreter plus its imports
cost more than its work. The shim is already a running interpreter, so for minirunc it fork()s and
runs minirunc's main in the child, with the runtime's own argv, stdio and default signals; the child
names itself minirunc and exits once its command is done, as the exec()ed runtime did. Any other
runtime (runc, crun, a wrapper) is still exec()ed.
"""

from __future__ import annotations

import os
import signal
import sys

# The line containerd gives the shim for minirunc (runc/launch.py's BOOT) names this module.
MARKER = "from minidocker.runc.cli import main"
PRELOAD = ("argv", "cli", "commands", "container", "devices", "init", "rootfs", "console",
           "seccomp", "exec")


def is_minirunc(command: list[str]) -> bool:
    """Whether the runtime command line is minirunc started from this package (then it can be forked)."""
    return len(command) >= 2 and command[-2] == "-c" and MARKER in command[-1]


def preload() -> None:
    """Import what minirunc's commands need, once, in the shim (before it serves: no import is half done
    in another thread when it forks)."""
    import importlib
    import resource  # noqa: F401 - the init's rlimits (runc/init.py): a C extension, else loaded by every init

    for name in PRELOAD:
        importlib.import_module(f"minidocker.runc.{name}")


def spawn(args: list[str], fds: list[int]) -> int:
    """Fork a minirunc running `args` (its argv without the program), fds as its stdin/stdout/stderr."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        code = _child(args, fds)
    finally:
        os._exit(code)


def _child(args: list[str], fds: list[int]) -> int:
    import time

    forked = time.monotonic_ns()  # exact, where /proc's starttime has a 10 ms resolution
    for n, fd in enumerate(fds):
        if fd == n:
            os.set_inheritable(n, True)
        else:
            os.dup2(fd, n)
    os.closerange(3, 1 << 16)  # the shim's sockets, pipes and log: the runtime and its init hold none of them
    for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)  # Python ignores SIGPIPE/SIGXFSZ; the container must not inherit that
    # New stdio objects on fds 1 and 2: the shim's may hold buffered text that is not the runtime's.
    sys.stdin = sys.__stdin__ = None  # type: ignore[assignment]
    sys.stdout = sys.__stdout__ = open(1, "w", closefd=False)
    sys.stderr = sys.__stderr__ = open(2, "w", closefd=False)
    from .. import trace
    from ..linux import process
    from ..runc.cli import main

    process.set_name("minirunc")
    trace.set_role("runtime")
    trace.emit("forked from the shim", forked, time.monotonic_ns())
    code = main(args, forked=True)
    sys.stdout.flush()
    sys.stderr.flush()
    return code
