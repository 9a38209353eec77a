"""POST /build: the classic builder behind the Engine API (cf. moby api/server/router/build/build_routes.go).

The body is the context as a tar (the client has already applied .dockerignore; dockerd only drops the
Dockerfile and .dockerignore themselves when the file lists them, as moby's removeDockerfile); the answer is a
JSON-message stream (`stream`, `aux`, `errorDetail`). Problems found before building (a bad tag,
no Dockerfile, a Dockerfile that does not parse) are answered with a 400, as dockerd does, so the
CLI prints `Error response from daemon: ...`.
"""

from __future__ import annotations

import io
import json
import posixpath
import queue
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO, Iterator

from ...errors import InvalidArgument
from ...linux.removeall import remove_all_quietly
from .router import Request, Response, json_lines, route

_DONE = object()


def _json_map(req: Request, name: str) -> dict[str, str]:
    raw = req.query.get(name)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise InvalidArgument(f"invalid {name} {raw!r}: not a JSON object") from None
    if not isinstance(value, dict):
        raise InvalidArgument(f"invalid {name} {raw!r}: not a JSON object")
    return {str(k): str(v) for k, v in value.items() if v is not None}


def _json_list(req: Request, name: str) -> list[str]:
    raw = req.query.get(name)
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        raise InvalidArgument(f"invalid {name} {raw!r}: not a JSON array") from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidArgument(f"invalid {name} {raw!r}: not a JSON array of strings")
    return value


def _extra_hosts(req: Request) -> list[str]:
    """extrahosts: repeated, or one comma-separated value (docker-py joins them; the docker CLI repeats)."""
    return [h for value in req.query_list("extrahosts") for h in value.split(",") if h]


def options_from(req: Request):
    """The build options of the query: t (repeated), buildargs, labels, nocache, q, target, pull."""
    from ..builder.build import Options
    from ..images import reference as refs

    tags = [t for t in req.query_list("t") if t]
    for tag in tags:
        refs.parse(tag)  # InvalidArgument("invalid reference format") before any work
    return Options(tags=tags, build_args=_json_map(req, "buildargs"), labels=_json_map(req, "labels"),
                   no_cache=req.flag("nocache"), quiet=req.flag("q"), target=req.query.get("target") or None,
                   pull=req.flag("pull"), force_rm=req.flag("forcerm"), cache_from=_json_list(req, "cachefrom"),
                   extra_hosts=_extra_hosts(req), network_mode=req.query.get("networkmode") or "")


def unpack_context(body: bytes | BinaryIO, into: Path) -> None:
    """Unpack the context tar (bytes or a file) with the untrusted-tar rules of the layer unpacker."""
    from ...containerd.archive import apply_tar

    stream = io.BytesIO(body) if isinstance(body, (bytes, bytearray)) else body
    if stream.read(1):
        stream.seek(0)
        apply_tar(stream, into)


def drop_ignored_build_files(context: Path, dockerfile: str) -> None:
    """The Dockerfile and .dockerignore leave the context when .dockerignore lists them (moby removeDockerfile):
    the CLI always sends both so that the daemon can read them, and COPY . must not see them."""
    from ..builder.dockerignore import Matcher, read_dockerignore

    patterns = read_dockerignore(context)
    if not patterns:
        return
    matcher = Matcher(patterns)
    for rel in (".dockerignore", posixpath.normpath("/" + dockerfile).lstrip("/")):
        path = context / rel
        if matcher.excluded(rel) and path.is_file() and not path.is_symlink():
            path.unlink()


def read_dockerfile(context: Path, name: str) -> str:
    rel = posixpath.normpath("/" + (name or "Dockerfile")).lstrip("/")
    path = context / rel
    if not path.is_file():
        raise InvalidArgument(f"Cannot locate specified Dockerfile: {name or 'Dockerfile'}")
    return path.read_text()


@route("POST", "/build")
def build(req: Request) -> Response:
    from ... import paths
    from ..builder.build import Builder, run_build
    from ..builder.context import BuildContext
    from ..builder.daemon_backend import DaemonBuilderBackend

    options = options_from(req)
    scratch = paths.state_dir() / "builder" / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="context-", dir=scratch))
    try:
        unpack_context(req.body_stream(), workdir)
        # A repeated `dockerfile` counts once, by its first value (clients send an outside Dockerfile this way).
        dockerfile = req.query.get("dockerfile") or "Dockerfile"
        text = read_dockerfile(workdir, dockerfile)
        drop_ignored_build_files(workdir, dockerfile)
        items: queue.Queue = queue.Queue()
        builder = Builder(DaemonBuilderBackend(req.backend), BuildContext(workdir), text, options, items.put)
    except BaseException:
        remove_all_quietly(workdir)
        raise

    def work() -> None:
        try:
            run_build(builder)
        finally:
            remove_all_quietly(workdir)
            items.put(_DONE)

    def stream() -> Iterator[dict]:
        threading.Thread(target=work, name="build", daemon=True).start()
        while (item := items.get()) is not _DONE:
            yield item

    return Response(stream=json_lines(stream()), content_type="application/json")
