"""Image endpoints: list, inspect, history, tag, remove, prune, pull, push, search, save, load, import (cf. docker-py docker/api/image.py)."""

from __future__ import annotations

from ..streams import iter_json
from .base import filters_param, registry_auth

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any, Iterable, Iterator, Mapping


def split_repo_tag(name: str) -> tuple[str, str]:
    """"repo:tag" -> (repo, tag); a registry port is not a tag; "repo@sha256:.." keeps its digest as the tag."""
    if "@" in name:
        repo, digest = name.split("@", 1)
        return repo, digest
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1:]
    return name, ""


def normalize_for_pull(name: str) -> tuple[str, str]:
    """What the docker CLI sends as fromImage/tag: busybox -> (docker.io/library/busybox, latest)."""
    repo, tag = split_repo_tag(name)
    first = repo.split("/", 1)[0]
    if "/" not in repo or not ("." in first or ":" in first or first == "localhost"):
        repo = ("docker.io/library/" if "/" not in repo else "docker.io/") + repo
    return repo, tag or "latest"


class ImageMixin:
    def images(self, name: str | None = None, quiet: bool = False, all: bool = False,
               filters: Mapping[str, Any] | None = None, digests: bool = False) -> list[Any]:
        """GET /images/json; a name becomes the `reference` filter, as the CLI does."""
        flt = dict(filters or {})
        if name:
            flt["reference"] = [name]
        result = self._json("GET", "/images/json", {"all": "1" if all else None, "digests": "1" if digests else None,
                                                      "filters": filters_param(flt)})
        return [img["Id"] for img in result] if quiet else result

    def inspect_image(self, image: str) -> dict[str, Any]:
        return self._json("GET", f"/images/{image}/json")

    def history(self, image: str) -> list[dict[str, Any]]:
        return self._json("GET", f"/images/{image}/history")

    def tag(self, image: str, repository: str, tag: str | None = None, force: bool = False) -> bool:
        self._call("POST", f"/images/{image}/tag", {"repo": repository, "tag": tag, "force": "1" if force else None})
        return True

    def remove_image(self, image: str, force: bool = False, noprune: bool = False) -> list[dict[str, str]]:
        return self._json("DELETE", f"/images/{image}", {"force": "1" if force else None,
                                                          "noprune": "1" if noprune else None})

    def prune_images(self, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """POST /images/prune; without filters the CLI prunes dangling images only."""
        return self._json("POST", "/images/prune", {"filters": filters_param(filters or {"dangling": {"true": True}})})

    def search(self, term: str, limit: int | None = None) -> list[dict[str, Any]]:
        return self._json("GET", "/images/search", {"limit": limit, "term": term}, headers=registry_auth())

    # -- JSON-message streams ------------------------------------------------------------------
    def _messages(self, method: str, path: str, query: Mapping[str, Any] | None = None, body: Any = None,
                  headers: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
        resp = self.transport.open(method, path, query, body, headers)
        try:
            yield from iter_json(resp)
        finally:
            resp.close()

    def pull(self, repository: str, tag: str | None = None, stream: bool = False,
             auth_config: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]] | list[dict[str, Any]]:
        """POST /images/create?fromImage=..&tag=..: progress messages (a generator when `stream`)."""
        if tag is None:
            repository, tag = normalize_for_pull(repository)
        msgs = self._messages("POST", "/images/create", {"fromImage": repository, "tag": tag},
                              headers=registry_auth(auth_config))
        return msgs if stream else list(msgs)

    def push(self, repository: str, tag: str | None = None, stream: bool = False,
             auth_config: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]] | list[dict[str, Any]]:
        if tag is None:
            repository, tag = split_repo_tag(repository)
        msgs = self._messages("POST", f"/images/{repository}/push", {"tag": tag or None},
                              headers=registry_auth(auth_config))
        return msgs if stream else list(msgs)

    def get_image(self, images: str | Iterable[str]):
        """GET /images/get?names=..: a docker-archive tar stream (an HTTPResponse to read)."""
        names = [images] if isinstance(images, str) else list(images)
        # `names` repeats, which a dict cannot say: pairs.
        return self.transport.open("GET", "/images/get", [("names", n) for n in names])

    def load_image(self, data: bytes | Iterable[bytes], quiet: bool = False) -> Iterator[dict[str, Any]]:
        """POST /images/load with a tar body: messages such as {"stream": "Loaded image: busybox:latest\\n"}."""
        return self._messages("POST", "/images/load", {"quiet": "1" if quiet else "0"}, data,
                              {"Content-Type": "application/x-tar"})

    def import_image(self, data: bytes | Iterable[bytes], repository: str | None = None, tag: str | None = None,
                     changes: list[str] | None = None, message: str | None = None) -> Iterator[dict[str, Any]]:
        """POST /images/create?fromSrc=- with a tar body (docker import)."""
        query: dict[str, Any] = {"fromSrc": "-", "repo": repository, "tag": tag, "message": message}
        if changes:
            query["changes"] = changes[0] if len(changes) == 1 else "\n".join(changes)
        return self._messages("POST", "/images/create", query, data, {"Content-Type": "application/x-tar"})
