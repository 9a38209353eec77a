"""The `minirunc` command line, runc's: global flags, then one verb (cf. runc main.go, create.go, start.go, ...).

containerd and shims call runtimes as `runc --root R --log F --log-format json create --bundle B
--pid-file P ID`; the same line works with minirunc. Errors: one line on stderr (and in --log), exit 1.
"""

from __future__ import annotations

import os
import sys

from ..errors import MinidockerError
from .log import Log

REFUSED = ("events", "checkpoint", "restore")


def main(argv: list[str] | None = None, forked: bool = False) -> int:
    """forked: run by a shim's fork (shim/warm.py), which started paying the cgroup toll itself (linux/cgroupwarm.py)."""
    import gc

    gc.disable()  # a short-lived process that makes no reference cycles worth collecting: skip the passes
    from .. import trace

    trace.started("runtime")
    phases = trace.Phases()
    from . import argv as grammar

    log = Log(None)
    try:
        args = grammar.parse(sys.argv[1:] if argv is None else argv)
        if args.command == "help":
            print(grammar.usage())
            return 0
        if args.command == "version":
            print("minirunc version 0.1.0\nspec: 1.0.2-dev")
            return 0
        log = Log(args.log, args.log_format, args.debug)
        if args.log_format not in ("text", "json"):
            raise MinidockerError(f"unknown log-format {args.log_format!r}")
        if args.systemd_cgroup:
            raise MinidockerError("--systemd-cgroup: the systemd cgroup driver is not supported (use cgroupfs)")
        if args.command in ("run", "create", "exec") and not args.systemd_cgroup and not forked:
            from ..linux import cgroupwarm

            cgroupwarm.start()
        if args.command in REFUSED:
            raise MinidockerError(f"{args.command}: not supported by minirunc")
        from . import commands

        root = args.root or _default_root()
        phases.mark("arguments, imports")
        with trace.span(args.command):
            code = getattr(commands, "cmd_" + args.command)(root, args, log)
    except (MinidockerError, OSError) as e:
        message = str(e) if isinstance(e, MinidockerError) else f"{e.strerror}" + (f": {e.filename}" if e.filename else "")
        log.error(message)
        code = 1
    except KeyboardInterrupt:
        code = 130
    sys.stdout.flush()
    if argv is None:
        # Called as the program: skip the interpreter's teardown (module cleanup, GC), a few ms per run.
        sys.stderr.flush()
        os._exit(code)
    return code


def _default_root() -> str:
    from ..paths import runc_root

    return str(runc_root())


if __name__ == "__main__":
    sys.exit(main())
