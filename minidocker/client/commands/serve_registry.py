"""`minidocker registry serve [--listen 127.0.0.1:5000] [--root DIR]`: the course's registry, in the foreground (cf. `registry serve config.yml`); `registry gc` (cf. `registry garbage-collect`)."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any


def serve_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--listen", default="127.0.0.1:5000", help="address:port to listen on (loopback by default)")
    parser.add_argument("--root", default=None, help="storage directory (default: <state>/registry)")
    parser.add_argument("--auth", choices=["basic", "token"], default=None, help="require authentication")
    parser.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD", help="an account (repeatable)")
    parser.add_argument("--verbose", action="store_true", help="log every request")


def serve(cli: Any, args: argparse.Namespace) -> int:
    # The registry is its own process (as Docker's is): replace this one with it.
    argv = [sys.executable, "-m", "minidocker.registry", "serve", "--listen", args.listen]
    if args.root:
        argv += ["--root", args.root]
    if args.auth:
        argv += ["--auth", args.auth]
    for user in args.user:
        argv += ["--user", user]
    if args.verbose:
        argv.append("--verbose")
    sys.stdout.flush()
    os.execv(sys.executable, argv)
    return 0  # not reached


def gc_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", default=None, help="storage directory (default: <state>/registry)")
    parser.add_argument("--dry-run", action="store_true", help="only list the blobs that would be deleted")


def gc(cli: Any, args: argparse.Namespace) -> int:
    # The registry's own program does it (the client does not import the registry): replace this process.
    argv = [sys.executable, "-m", "minidocker.registry", "gc"] + (["--root", args.root] if args.root else [])
    if args.dry_run:
        argv.append("--dry-run")
    sys.stdout.flush()
    os.execv(sys.executable, argv)
    return 0  # not reached
