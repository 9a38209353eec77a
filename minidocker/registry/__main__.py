"""`python -m minidocker.registry serve [--listen 127.0.0.1:5000] [--root DIR]`: the course's registry in the foreground; `gc --root DIR [--dry-run]`: its garbage collection."""

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
    gc = sub.add_parser("gc", help="delete the blobs no manifest refers to (refused while the root is served)")
    gc.add_argument("--root", default=None, help="storage directory (default <state>/registry)")
    gc.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    args = parser.parse_args(argv)
    if args.verb == "gc":
        return collect_garbage(Path(args.root) if args.root else paths.state_dir() / "registry", args.dry_run)
    host, _, port = args.listen.rpartition(":")
    if not port.isdigit():
        print(f"minidocker registry: invalid --listen {args.listen!r}: want ADDRESS:PORT", file=sys.stderr)
        return 2
    from .auth import Auth
    from .server import RegistryBusy, RegistryServer

    users = dict(u.split(":", 1) for u in args.user if ":" in u)
    root = Path(args.root) if args.root else paths.state_dir() / "registry"
    try:
        server = RegistryServer((host or "127.0.0.1", int(port)), root, Auth(args.auth, users), args.verbose)
    except RegistryBusy as err:
        print(f"minidocker registry: {err}", file=sys.stderr)
        return 1
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


def collect_garbage(root: Path, dry_run: bool) -> int:
    from .gc import RegistryInUse, collect, report

    try:
        result = collect(root, dry_run)
    except (RegistryInUse, FileNotFoundError) as err:
        print(f"minidocker registry gc: {err}", file=sys.stderr)
        return 1
    print("\n".join(report(result, dry_run)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
