"""Engine API image endpoints: list, inspect, history, tag, delete, prune, save, load, import (cf. moby api/server/router/image/image_routes.go).

Handlers only translate HTTP <-> `req.backend.images` (dockerd/images/service.py); every rule lives there.
Image names in paths are not URL-escaped by the docker CLI (`DELETE /images/localhost:5000/a:v1`),
hence the {name:path} patterns.
"""

from __future__ import annotations

from typing import Iterator

from ...errors import InvalidArgument, MinidockerError
from .router import Request, Response, json_lines, route


def _images(req: Request):  # type: ignore[no-untyped-def]
    return req.backend.images


@route("GET", "/images/json")
def list_images(req: Request) -> Response:
    filters = req.filters()
    if req.query.get("filter"):  # the pre-1.25 form: ?filter=busybox means reference=busybox
        filters.setdefault("reference", []).append(req.query["filter"])
    return Response(body=_images(req).list(all=req.flag("all"), filters=filters,
                                           shared_size=req.flag("shared-size")))


@route("GET", "/images/get")
def save_many(req: Request) -> Response:
    names = [n for n in req.query_list("names") if n] or ([req.query["names"]] if req.query.get("names") else [])
    if not names:
        raise InvalidArgument("no image names given: use ?names=NAME")
    return Response(stream=_images(req).save(names), content_type="application/x-tar")


@route("POST", "/images/load")
def load(req: Request) -> Response:
    """Always 200 with a JSON stream, as dockerd (postImagesLoad): a bad archive is an errorDetail in the
    stream, which the CLI prints bare, not an HTTP error. Docker prints progress bars only when not quiet;
    the result lines are the same."""
    images = _images(req)

    def stream() -> Iterator[dict]:
        try:
            messages = images.load(req.body_stream())
        except (MinidockerError, OSError) as err:
            yield {"errorDetail": {"message": str(err)}, "error": str(err)}
            return
        for line in messages:
            yield {"stream": line + "\n"}

    return Response(stream=json_lines(stream()))


@route("POST", "/images/prune")
def prune(req: Request) -> Response:
    return Response(body=_images(req).prune(req.filters()))


@route("POST", "/images/create")
def create(req: Request) -> Response:
    """fromSrc imports a root filesystem tar; fromImage pulls (the registry client's job)."""
    images = _images(req)
    src = req.query.get("fromSrc")
    if src is not None:
        changes = [c for c in req.query_list("changes") if c]
        image_id = images.import_image(req.body_stream(), repo=req.query.get("repo", ""),
                                       tag=req.query.get("tag", ""), message=req.query.get("message", ""),
                                       changes=changes, src=src)
        return Response(stream=json_lines(iter([{"status": image_id}])))
    name = req.query.get("fromImage")
    if not name:
        raise InvalidArgument("either fromSrc or fromImage must be given")
    try:
        from .distribution import pull_response  # the registry client's (dockerd/distribution/)
    except ImportError:
        pull_response = None
    if pull_response is not None:
        return pull_response(req)
    from ..images import reference as refs

    ref = refs.parse(name)
    host = "registry-1.docker.io" if ref.domain == "docker.io" else ref.domain
    raise MinidockerError(f"Get \"https://{host}/v2/\": registry {host} unreachable: "
                          f"this engine has no registry client to pull {ref.familiar()}")


@route("GET", "/images/{name:path}/json")
def inspect(req: Request) -> Response:
    return Response(body=_images(req).inspect(req.params["name"]))


@route("GET", "/images/{name:path}/history")
def history(req: Request) -> Response:
    return Response(body=_images(req).history(req.params["name"]))


@route("GET", "/images/{name:path}/get")
def save_one(req: Request) -> Response:
    return Response(stream=_images(req).save([req.params["name"]]), content_type="application/x-tar")


@route("POST", "/images/{name:path}/tag")
def tag(req: Request) -> Response:
    repo = req.query.get("repo", "")
    if not repo:
        raise InvalidArgument("repository name must have at least one component")
    _images(req).tag(req.params["name"], repo, req.query.get("tag") or None)
    return Response(status=201, body=None, content_type=None)


@route("DELETE", "/images/{name:path}")
def delete(req: Request) -> Response:
    records = _images(req).remove(req.params["name"], force=req.flag("force"), prune=not req.flag("noprune"))
    return Response(body=records)


@route("GET", "/containers/{id}/export")
def export(req: Request) -> Response:
    """docker export: a container's filesystem. Routed here because the image service owns the
    snapshot -> tar path (moby keeps it in daemon/export.go beside the image code, too)."""
    container = req.backend.containers.get(req.params["id"])
    return Response(stream=_images(req).export(container.id), content_type="application/x-tar")
