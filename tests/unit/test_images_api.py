"""The image endpoints through the route table, as the docker CLI calls them (docker-engine-api-traffic.md)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest

import minidocker.dockerd.api.images  # noqa: F401 - registers the routes
from minidocker.dockerd.api import router
from minidocker.errors import MinidockerError

from images_fixtures import layer_tar, make_image, make_service


@pytest.fixture
def backend(tmp_path: Path):
    svc, _ = make_service(tmp_path)
    return SimpleNamespace(images=svc)


def call(backend, method: str, target: str, body: bytes = b""):  # type: ignore[no-untyped-def]
    parts = urlsplit(target)
    found = router.match(method, parts.path)
    assert found is not None, f"no route for {method} {parts.path}"
    route, params = found
    req = router.Request(method, parts.path, params, dict(parse_qsl(parts.query, keep_blank_values=True)), {},
                         body, backend, None, raw_query=parts.query)
    return route.handler(req)


def test_list_with_map_of_bools_filter(backend) -> None:
    make_image(backend.images, [{"a": b"1"}], tags=("busybox:latest",))
    old = make_image(backend.images, [{"b": b"1"}])
    resp = call(backend, "GET", "/images/json?filters=%7B%22dangling%22%3A%7B%22true%22%3Atrue%7D%7D")
    assert [e["Id"] for e in resp.body] == [old.id]
    resp = call(backend, "GET", "/images/json?all=1")
    assert len(resp.body) == 2


def test_tag_then_delete_with_raw_name_in_path(backend) -> None:
    img = make_image(backend.images, [{"a": b"1"}], tags=("busybox:latest",))
    resp = call(backend, "POST", "/images/busybox/tag?repo=localhost%3A5000%2Fmybox&tag=v1")
    assert resp.status == 201
    assert call(backend, "GET", "/images/localhost:5000/mybox:v1/json").body["Id"] == img.id
    resp = call(backend, "DELETE", "/images/localhost:5000/mybox:v1")
    assert resp.body == [{"Untagged": "localhost:5000/mybox:v1"}]
    with pytest.raises(MinidockerError) as err:
        call(backend, "DELETE", "/images/nosuchimage")
    assert err.value.status == 404 and str(err.value) == "No such image: nosuchimage:latest"


def test_conflict_is_409(backend) -> None:
    img = make_image(backend.images, [{"a": b"1"}], tags=("busybox:latest", "other:1"))
    with pytest.raises(MinidockerError) as err:
        call(backend, "DELETE", f"/images/{img.id[7:19]}")
    assert err.value.status == 409
    resp = call(backend, "DELETE", f"/images/{img.id[7:19]}?force=1")
    assert resp.body[-1]["Deleted"]


def test_history_and_prune_shapes(backend) -> None:
    make_image(backend.images, [{"a": b"1"}], tags=("busybox:latest",))
    dangling = make_image(backend.images, [{"b": b"1"}])
    rows = call(backend, "GET", "/images/busybox/history").body
    assert set(rows[0]) == {"Comment", "Created", "CreatedBy", "Id", "Size", "Tags"}
    resp = call(backend, "POST", "/images/prune?filters=%7B%22dangling%22%3A%7B%22true%22%3Atrue%7D%7D")
    assert resp.body["ImagesDeleted"][0] == {"Deleted": dangling.id}
    assert set(resp.body) == {"ImagesDeleted", "SpaceReclaimed"}


def test_save_load_and_import_streams(backend, tmp_path: Path) -> None:
    make_image(backend.images, [{"a": b"1"}], tags=("busybox:latest",))
    archive = b"".join(call(backend, "GET", "/images/get?names=busybox").stream)
    other = SimpleNamespace(images=make_service(tmp_path / "other")[0])
    lines = b"".join(call(other, "POST", "/images/load?quiet=1", archive).stream).splitlines()
    assert [json.loads(x) for x in lines] == [{"stream": "Loaded image: busybox:latest\n"}]
    resp = call(other, "POST", "/images/create?fromSrc=-&repo=imp&tag=1&changes=CMD+%5B%22sh%22%5D", layer_tar({"x": b"1"}))
    (status,) = [json.loads(x) for x in b"".join(resp.stream).splitlines()]
    assert status["status"].startswith("sha256:")
    assert other.images.inspect("imp:1")["Config"]["Cmd"] == ["sh"]


def test_pull_from_an_unreachable_registry_names_it(backend) -> None:
    """fromImage goes to the registry client; nothing listens on port 1, so the 500 names that registry."""
    with pytest.raises(MinidockerError) as err:
        call(backend, "POST", "/images/create?fromImage=127.0.0.1%3A1%2Fbusybox&tag=latest")
    assert err.value.status == 500 and "127.0.0.1:1" in str(err.value)
    assert backend.images.list(all=True) == []
