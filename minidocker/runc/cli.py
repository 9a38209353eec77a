"""The `minirunc` command line, runc's: global flags, then one verb (cf. runc main.go, create.go, start.go, ...).

containerd and shims call runtimes as `runc --root R --log F --log-format json create --bundle B
--pid-file P ID`; the same line works with minirunc. Errors: one line on stderr (and in --log), exit 1.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import MinidockerError
from .log import Log


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="minirunc", description="An OCI runtime, a drop-in for runc.")
    p.add_argument("--root", default=None, help="state directory (default: minidocker.paths.runc_root())")
    p.add_argument("--log", default=None, help="log file (default: stderr)")
    p.add_argument("--log-format", default="text", choices=["text", "json"])
    p.add_argument("--debug", action="store_true")
    p.add_argument("--systemd-cgroup", action="store_true")
    p.add_argument("--rootless", default=None)
    p.add_argument("--criu", default=None)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    c = sub.add_parser("create", help="create a container; its init waits for start")
    _create_flags(c)
    r = sub.add_parser("run", help="create, start and wait for a container")
    _create_flags(r)
    r.add_argument("-d", "--detach", action="store_true")
    r.add_argument("--keep", action="store_true", help="do not delete the container after it exits")
    sub.add_parser("start", help="start a created container").add_argument("id")
    s = sub.add_parser("state", help="print the state JSON of a container")
    s.add_argument("id")
    k = sub.add_parser("kill", help="send a signal to the container's init")
    k.add_argument("-a", "--all", action="store_true")
    k.add_argument("id")
    k.add_argument("signal", nargs="?", default="SIGTERM")
    d = sub.add_parser("delete", help="delete a container")
    d.add_argument("-f", "--force", action="store_true")
    d.add_argument("id")
    ls = sub.add_parser("list", help="list containers")
    ls.add_argument("-f", "--format", default="table", choices=["table", "json"])
    ls.add_argument("-q", "--quiet", action="store_true")
    sp = sub.add_parser("spec", help="write a default config.json")
    sp.add_argument("-b", "--bundle", default=".")
    sp.add_argument("--rootless", action="store_true")
    ps = sub.add_parser("ps", help="list the processes of a container")
    ps.add_argument("-f", "--format", default="table", choices=["table", "json"])
    ps.add_argument("id")
    e = sub.add_parser("exec", help="run a process in a container")
    e.add_argument("-p", "--process", default=None)
    e.add_argument("--pid-file", default=None)
    e.add_argument("-d", "--detach", action="store_true")
    e.add_argument("--console-socket", default=None)
    e.add_argument("-t", "--tty", action="store_true")
    e.add_argument("-e", "--env", action="append", default=[])
    e.add_argument("--cwd", default=None)
    e.add_argument("-u", "--user", default=None)
    e.add_argument("--cap", action="append", default=[])
    e.add_argument("--no-new-privs", action="store_true")
    e.add_argument("--preserve-fds", type=int, default=0)
    e.add_argument("id")
    e.add_argument("args", nargs=argparse.REMAINDER)
    for verb in ("pause", "resume", "update", "events", "checkpoint", "restore", "features"):
        sub.add_parser(verb, help=argparse.SUPPRESS).add_argument("rest", nargs=argparse.REMAINDER)
    return p


def _create_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-b", "--bundle", default=".")
    p.add_argument("--pid-file", default=None)
    p.add_argument("--console-socket", default=None)
    p.add_argument("--no-pivot", action="store_true")
    p.add_argument("--no-new-keyring", action="store_true")
    p.add_argument("--preserve-fds", type=int, default=0)
    p.add_argument("id")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    log = Log(args.log, args.log_format, args.debug)
    try:
        if args.systemd_cgroup:
            raise MinidockerError("--systemd-cgroup: the systemd cgroup driver is not supported (use cgroupfs)")
        root = args.root or str(_default_root())
        from . import commands

        handler = getattr(commands, "cmd_" + args.command.replace("-", "_"), None)
        if handler is None:
            raise MinidockerError(f"{args.command}: not supported by minirunc")
        code = handler(root, args, log)
    except (MinidockerError, OSError) as e:
        message = str(e) if isinstance(e, MinidockerError) else f"{e.strerror}" + (f": {e.filename}" if e.filename else "")
        log.error(message)
        code = 1
    except KeyboardInterrupt:
        code = 130
    sys.stdout.flush()
    return code


def _default_root():
    from ..paths import runc_root

    return runc_root()


if __name__ == "__main__":
    sys.exit(main())
