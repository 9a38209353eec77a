"""save, load, import, export: images and filesystems as tar streams (cf. docker/cli cli/command/image/{save,load,import}.go, container/export.go)."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any, Iterator


def _write_stream(cli: Any, resp: Any, output: str | None, what: str) -> int:
    """To -o FILE through a temporary name and a rename (nothing half-written), else to a non-terminal stdout."""
    if not output and sys.stdout.isatty():
        cli.warn(f"minidocker: cowardly refusing to save to a terminal. Use the -o flag or redirect")
        return 1
    try:
        if output:
            tmp = f"{output}.tmp-{os.getpid()}"
            try:
                with open(tmp, "wb") as fh:
                    _copy(resp, fh)
                os.replace(tmp, output)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        else:
            _copy(resp, sys.stdout.buffer)
            sys.stdout.buffer.flush()
    finally:
        resp.close()
    return 0


def _copy(resp: Any, fh: Any) -> None:
    while True:
        chunk = resp.read(1 << 16)
        if not chunk:
            return
        fh.write(chunk)


def _read_input(cli: Any, path: str | None, what: str) -> Iterator[bytes] | None:
    if path and path != "-":
        fh = open(path, "rb")
    else:
        if sys.stdin.isatty():
            cli.warn(f"requested {what} from stdin, but stdin is empty")
            return None
        fh = sys.stdin.buffer

    def chunks() -> Iterator[bytes]:
        try:
            while True:
                data = fh.read(1 << 16)
                if not data:
                    return
                yield data
        finally:
            if fh is not sys.stdin.buffer:
                fh.close()

    return chunks()


def save_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", help="Write to a file, instead of STDOUT")
    p.add_argument("images", nargs="+", metavar="IMAGE")


def save(cli: Any, a: argparse.Namespace) -> int:
    if a.output and os.path.isdir(a.output):
        cli.warn(f"failed to save image: invalid output path: \"{a.output}\" is a directory")
        return 1
    return _write_stream(cli, cli.api.get_image(a.images), a.output, "save")


def load_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-i", "--input", help="Read from tar archive file, instead of STDIN")
    p.add_argument("-q", "--quiet", action="store_true", help="Suppress the load output")


def load(cli: Any, a: argparse.Namespace) -> int:
    from ..formatting.progress import display_stream

    body = _read_input(cli, a.input, "load")
    if body is None:
        return 1
    quiet = a.quiet or not sys.stdout.isatty()
    display_stream(cli.api.load_image(body, quiet=quiet), sys.stdout)
    return 0


def import__args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--change", action="append", default=[], help="Apply Dockerfile instruction to the created image")
    p.add_argument("-m", "--message", help="Set commit message for imported image")
    p.add_argument("source", metavar="file|URL|-")
    p.add_argument("reference", nargs="?", metavar="REPOSITORY[:TAG]")


def import_(cli: Any, a: argparse.Namespace) -> int:
    from ..api.images import split_repo_tag
    from ..formatting.progress import display_stream

    body = _read_input(cli, a.source, "import")
    if body is None:
        return 1
    repo, tag = split_repo_tag(a.reference) if a.reference else (None, None)
    query: list[tuple[str, Any]] = [("changes", c) for c in a.change]
    query += [("fromSrc", "-"), ("message", a.message), ("repo", repo), ("tag", tag or None)]
    resp = cli.api.transport.open("POST", "/images/create", query, body, {"Content-Type": "application/x-tar"})
    from ..streams import iter_json

    try:
        display_stream(iter_json(resp), sys.stdout)
    finally:
        resp.close()
    return 0


def export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", help="Write to a file, instead of STDOUT")
    p.add_argument("container", metavar="CONTAINER")


def export(cli: Any, a: argparse.Namespace) -> int:
    return _write_stream(cli, cli.api.export(a.container), a.output, "export")
