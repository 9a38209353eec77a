"""`minidocker build`: the context as a tar (.dockerignore applied) to POST /build, the classic builder's stream printed (cf. docker/cli cli/command/image/build.go).

The exit code of a failed build is the failing step's (errorDetail.code), as docker's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any


def build_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--build-arg", action="append", default=[], help="Set build-time variables")
    p.add_argument("-f", "--file", help="Name of the Dockerfile (default: \"PATH/Dockerfile\")")
    p.add_argument("--force-rm", action="store_true", help="Always remove intermediate containers")
    p.add_argument("--label", action="append", default=[], help="Set metadata for an image")
    p.add_argument("--no-cache", action="store_true", help="Do not use cache when building the image")
    p.add_argument("--pull", action="store_true", help="Always attempt to pull a newer version of the image")
    p.add_argument("-q", "--quiet", action="store_true", help="Suppress the build output and print image ID on success")
    p.add_argument("--rm", default="true", help="Remove intermediate containers after a successful build")
    p.add_argument("-t", "--tag", action="append", default=[], help="Name and optionally a tag in the \"name:tag\" format")
    p.add_argument("context", metavar="PATH | URL | -")


def _dockerfile(context: Path, name: str | None) -> tuple[str, dict[str, bytes]]:
    """The Dockerfile's name inside the context; one outside it is sent under a generated name."""
    if not name:
        return "Dockerfile", {}
    if name == "-":  # -f -: the Dockerfile comes on stdin, the context from the directory
        generated = ".dockerfile." + os.urandom(10).hex()
        return generated, {generated: sys.stdin.buffer.read()}
    path = Path(name).absolute()
    try:
        return path.relative_to(context.absolute()).as_posix(), {}
    except ValueError:
        generated = ".dockerfile." + os.urandom(10).hex()
        return generated, {generated: path.read_bytes()}


def build(cli: Any, a: argparse.Namespace) -> int:
    from ..config import parse_labels
    from ..formatting.progress import display_stream
    from ..formatting.units import human_size

    buildargs = {}
    for item in a.build_arg:
        key, sep, value = item.partition("=")
        if sep:
            buildargs[key] = value
        elif key in os.environ:
            buildargs[key] = os.environ[key]
    if a.context == "-":
        data = sys.stdin.buffer.read()
        dockerfile = a.file or "Dockerfile"
    else:
        context = Path(a.context)
        if not context.is_dir():
            cli.warn(f'unable to prepare context: path "{a.context}" not found')
            return 1
        dockerfile, extra = _dockerfile(context, a.file)
        if not extra and not (context / dockerfile).is_file():
            cli.warn(f"unable to prepare context: unable to evaluate symlinks in Dockerfile path: "
                     f"lstat {(context / dockerfile).absolute()}: no such file or directory")
            return 1
        from ..build_context import make_context_tar

        data = make_context_tar(context, dockerfile, extra)
    if not a.quiet:
        print(f"Sending build context to Docker daemon {human_size(len(data)):>8}")
    messages = cli.api.build(fileobj=data, tag=a.tag, dockerfile=dockerfile, buildargs=buildargs,
                             nocache=a.no_cache, quiet=a.quiet, forcerm=a.force_rm, labels=parse_labels(a.label),
                             pull=a.pull)
    display_stream(messages, sys.stdout)
    return 0
