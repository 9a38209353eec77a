"""Chunked uploads honour Content-Range on every PATCH and on the closing PUT (416 out of order, with Range saying where)."""

from __future__ import annotations

import pytest

from registry_fixtures import call, code, digest, serving

DATA = b"0123456789abcdefghij"


@pytest.fixture
def registry(tmp_path):
    with serving(tmp_path / "registry") as server:
        yield server


def start(server) -> str:
    status, headers, _ = call(server, "POST", "/v2/lib/app/blobs/uploads/", headers={"Content-Length": "0"})
    assert status == 202 and headers["Range"] == "0-0"
    return headers["Location"]


def patch(server, location: str, chunk: bytes, crange: str | None):
    return call(server, "PATCH", location, chunk, {"Content-Range": crange} if crange else {})


def test_chunks_in_order_then_a_final_chunk_in_the_put(registry):
    location = start(registry)
    status, headers, _ = patch(registry, location, DATA[:8], "0-7")
    assert status == 202 and headers["Range"] == "0-7" and headers["Location"] == location
    status, headers, _ = patch(registry, location, DATA[8:14], "8-13")
    assert status == 202 and headers["Range"] == "0-13"
    status, headers, _ = call(registry, "PUT", f"{location}?digest={digest(DATA)}", DATA[14:],
                              {"Content-Range": f"14-{len(DATA) - 1}"})
    assert status == 201 and headers["Docker-Content-Digest"] == digest(DATA)
    assert call(registry, "GET", f"/v2/lib/app/blobs/{digest(DATA)}")[2] == DATA


@pytest.mark.parametrize("crange", ["9-13", "0-5", "7-11"])
def test_a_patch_out_of_order_is_416_and_range_says_where_the_upload_is(registry, crange):
    location = start(registry)
    patch(registry, location, DATA[:8], "0-7")
    chunk = DATA[8:8 + int(crange.split("-")[1]) - int(crange.split("-")[0]) + 1]
    status, headers, body = patch(registry, location, chunk, crange)
    assert status == 416 and code(body) == "BLOB_UPLOAD_INVALID"
    assert headers["Range"] == "0-7" and headers["Location"] == location
    status, headers, _ = call(registry, "GET", location)
    assert status == 204 and headers["Range"] == "0-7"  # nothing of the refused chunk was kept


def test_the_final_put_out_of_order_is_416_and_stores_nothing(registry):
    location = start(registry)
    patch(registry, location, DATA[:8], "0-7")
    status, headers, body = call(registry, "PUT", f"{location}?digest={digest(DATA)}", DATA[10:],
                                 {"Content-Range": f"10-{len(DATA) - 1}"})
    assert status == 416 and headers["Range"] == "0-7" and headers["Location"] == location
    assert call(registry, "HEAD", f"/v2/lib/app/blobs/{digest(DATA)}")[0] == 404
    status, headers, _ = call(registry, "PUT", f"{location}?digest={digest(DATA)}", DATA[8:],
                              {"Content-Range": f"8-{len(DATA) - 1}"})  # the client resumes where Range said
    assert status == 201


def test_a_content_range_that_disagrees_with_the_length_is_416(registry):
    location = start(registry)
    status, headers, _ = patch(registry, location, DATA[:8], "0-9")
    assert status == 416 and headers["Range"] == "0-0"


def test_a_malformed_content_range_is_400(registry):
    location = start(registry)
    status, _, body = patch(registry, location, DATA[:8], "zero-seven")
    assert status == 400 and code(body) == "BLOB_UPLOAD_INVALID"


def test_a_patch_without_content_range_appends_as_docker_does(registry):
    location = start(registry)
    assert patch(registry, location, DATA[:5], None)[1]["Range"] == "0-4"
    assert patch(registry, location, DATA[5:], None)[1]["Range"] == f"0-{len(DATA) - 1}"
    assert call(registry, "PUT", f"{location}?digest={digest(DATA)}")[0] == 201


def test_concurrent_uploads_of_one_blob_to_one_repository_all_land_whole(tmp_path):
    import threading

    blob = bytes(range(256)) * 64  # 16 KiB
    results = []
    with serving(tmp_path / "r") as server:
        def push() -> None:
            location = start(server)
            for offset in range(0, len(blob), 4096):
                status, headers, _ = patch(server, location, blob[offset:offset + 4096], f"{offset}-{offset + 4095}")
                if status != 202:
                    results.append(status)
                    return
            results.append(call(server, "PUT", f"{location}?digest={digest(blob)}")[0])

        threads = [threading.Thread(target=push) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert results == [201] * 8
        assert call(server, "GET", f"/v2/lib/app/blobs/{digest(blob)}")[2] == blob
        assert list((server.storage.root / "uploads").iterdir()) == []


def test_idle_sessions_expire_and_free_their_place(tmp_path):
    with serving(tmp_path / "r", max_uploads_per_repository=1, upload_idle_seconds=0.0) as server:
        first = start(server)
        second = start(server)  # the first, idle for longer than 0 s, was dropped to make room
        assert call(server, "GET", first)[0] == 404 and call(server, "GET", second)[0] == 204
