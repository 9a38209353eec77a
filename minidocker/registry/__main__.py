"""`python -m minidocker.registry serve [--listen 127.0.0.1:5000] [--root DIR]`: the course's registry in the foreground."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from .. import paths

    parser = argparse.ArgumentParser(prog="minidocker registry")
    sub = parser.add_subparsers(dest="verb", required=True)
    serve = sub.add_parser("serve", help="serve the Distribution API in the foreground")
    serve.add_argument("--listen", default="127.0.0.1:5000", help="address:port (default 127.0.0.1:5000, loopback)")
    serve.add_argument("--root", default=None, help="storage directory (default <state>/registry)")
    serve.add_argument("--auth", choices=["basic", "token"], default=None, help="require authentication")
    serve.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD", help="an account (repeatable)")
    serve.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    if not port.isdigit():
        print(f"minidocker registry: invalid --listen {args.listen!r}: want ADDRESS:PORT", file=sys.stderr)
        return 2
    from .auth import Auth
    from .server import RegistryServer

    users = dict(u.split(":", 1) for u in args.user if ":" in u)
    root = Path(args.root) if args.root else paths.state_dir() / "registry"
    try:
        server = RegistryServer((host or "127.0.0.1", int(port)), root, Auth(args.auth, users), args.verbose)
    except OSError as err:
        print(f"minidocker registry: cannot listen on {args.listen}: {err.strerror}", file=sys.stderr)
        return 1
    print(f"minidocker registry serving on http://{args.listen} (storage {root})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
