"""POST /build: the classic builder's endpoint (cf. docker-py docker/api/build.py)."""

from __future__ import annotations

from ..streams import iter_json

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from pathlib import Path
    from typing import Any, Iterator, Mapping


class BuildMixin:
    def build(self, path: str | Path | None = None, fileobj: bytes | None = None, tag: str | list[str] | None = None,
              dockerfile: str | None = None, buildargs: Mapping[str, str] | None = None, nocache: bool = False,
              quiet: bool = False, forcerm: bool = False, labels: Mapping[str, str] | None = None,
              pull: bool = False) -> Iterator[dict[str, Any]]:
        """Send the context (a directory, tarred with .dockerignore applied, or a ready tar) and yield the messages."""
        import json
        from pathlib import Path

        dockerfile = dockerfile or "Dockerfile"
        if fileobj is not None:
            body = fileobj
        else:
            from ..build_context import make_context_tar

            body = make_context_tar(Path(path or "."), dockerfile)
        tags = [tag] if isinstance(tag, str) else list(tag or [])
        query: list[tuple[str, Any]] = []
        if buildargs:
            query.append(("buildargs", json.dumps(dict(buildargs), separators=(",", ":"))))
        query.append(("dockerfile", dockerfile))
        if forcerm:
            query.append(("forcerm", "1"))
        if labels:
            query.append(("labels", json.dumps(dict(labels), separators=(",", ":"))))
        if nocache:
            query.append(("nocache", "1"))
        if pull:
            query.append(("pull", "1"))
        if quiet:
            query.append(("q", "1"))
        query += [("t", t) for t in tags]
        query.append(("version", "1"))
        headers = {"Content-Type": "application/x-tar", "X-Registry-Config": "e30="}
        resp = self.transport.open("POST", "/build", query, _chunks(body), headers)
        try:
            yield from iter_json(resp)
        finally:
            resp.close()


def _chunks(data: bytes, size: int = 256 * 1024) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]
