"""Hostile clients over loopback: the registry never parses a body as a request, bounds heads and bodies in size and time."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time

import pytest

from minidocker.registry.auth import Auth
from registry_fixtures import Conn, call, code, manifest_doc, put_manifest, request, serving

SMUGGLED = b"GET /v2/_catalog HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture
def registry(tmp_path):
    with serving(tmp_path / "registry", header_timeout=1.0, body_timeout=2.0, linger_seconds=0.5) as server:
        status, _, _, _ = put_manifest(server, "lib/app", "v1", manifest_doc(server, "lib/app", b"one"))
        assert status == 201  # so a smuggled GET /v2/_catalog would have something to say
        yield server


def upload(server) -> str:
    status, headers, _ = call(server, "POST", "/v2/lib/app/blobs/uploads/")
    assert status == 202
    return headers["Location"]


def assert_only_answers(conn: Conn, expected_first: int) -> None:
    """The refused request's answer, then either a close or the answer to our own next request: never the catalog."""
    status, headers, body = conn.response()
    assert status == expected_first, body
    assert b"repositories" not in body
    if headers.get("connection") == "close":
        assert conn.at_eof()
        return
    conn.send(request("GET", "/v2/"))
    status, _, body = conn.response()
    assert (status, body) == (200, b"{}")  # the answer to GET /v2/, not to the smuggled GET /v2/_catalog
    conn.sock.shutdown(socket.SHUT_WR)
    assert conn.at_eof()  # and nothing else was answered


@pytest.mark.parametrize("case", ["out-of-order", "unknown-upload", "method-not-allowed", "bad-digest"])
def test_a_request_refused_before_its_body_is_read_never_runs_the_body(registry, case):
    location = upload(registry)
    method, path, headers = {
        "out-of-order": ("PATCH", location, {"Content-Range": f"100-{99 + len(SMUGGLED)}"}),
        "unknown-upload": ("PATCH", "/v2/lib/app/blobs/uploads/" + "0" * 32, {}),
        "method-not-allowed": ("PATCH", "/v2/lib/app/manifests/v1", {}),
        "bad-digest": ("PUT", location + "?digest=md5:0123", {}),
    }[case]
    with Conn(registry) as conn:
        conn.send(request(method, path, SMUGGLED, headers))
        assert_only_answers(conn, {"out-of-order": 416, "unknown-upload": 404, "method-not-allowed": 405,
                                   "bad-digest": 400}[case])


def test_a_large_unread_body_closes_the_connection_after_the_answer(tmp_path):
    with serving(tmp_path / "r", drain_limit=16, linger_seconds=0.5) as server:
        with Conn(server) as conn:
            body = SMUGGLED * 4  # more than the 16 bytes the server would read and drop
            conn.send(request("PATCH", "/v2/lib/app/blobs/uploads/" + "0" * 32, body))
            status, headers, _ = conn.response()
            assert status == 404 and headers["connection"] == "close"
            assert conn.at_eof()


def test_an_auth_failure_does_not_run_the_body(tmp_path):
    from minidocker.registry.server import RegistryServer

    server = RegistryServer(("127.0.0.1", 0), tmp_path / "r", Auth("basic", {"alice": "pw"}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with Conn(server) as conn:
            conn.send(request("PUT", "/v2/lib/app/manifests/v1", SMUGGLED, {"Content-Type": "application/json"}))
            status, _, body = conn.response()
            assert status == 401 and code(body) == "UNAUTHORIZED"
            good = "Basic " + base64.b64encode(b"alice:pw").decode()
            conn.send(request("GET", "/v2/_catalog", headers={"Authorization": good}))
            status, _, body = conn.response()
            assert status == 200 and json.loads(body) == {"repositories": []}
            conn.sock.shutdown(socket.SHUT_WR)
            assert conn.at_eof()  # one answer per request we sent: the smuggled one was never answered
    finally:
        server.shutdown()
        server.server_close()


def test_expect_100_continue_on_a_refused_request_gets_no_continue_and_a_close(registry):
    location = upload(registry)
    with Conn(registry) as conn:
        conn.send(request("PATCH", location, headers={"Content-Range": "7-9", "Content-Length": "3",
                                                      "Expect": "100-continue"}))
        status, headers, _ = conn.response()
        assert status == 416 and headers["connection"] == "close"  # not 100: the body will not be read
        conn.send(b"abc")
        assert conn.at_eof()


def test_a_head_cut_off_half_way_is_never_executed(registry):
    with Conn(registry) as conn:
        conn.send(b"DELETE /v2/lib/app/manifests/v1 HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no empty line
        conn.sock.shutdown(socket.SHUT_WR)
        status, headers, body = conn.response()
        assert status == 400 and headers["connection"] == "close" and code(body)
        assert conn.at_eof()
    assert call(registry, "GET", "/v2/lib/app/manifests/v1")[0] == 200  # the tag is still there


def test_a_body_cut_off_half_way_stores_nothing(registry):
    location = upload(registry)
    data = b"x" * 100
    from registry_fixtures import digest

    with Conn(registry) as conn:
        conn.send(request("PUT", f"{location}?digest={digest(data)}", headers={"Content-Length": "100"}) + data[:50])
        conn.sock.shutdown(socket.SHUT_WR)
        status, headers, _ = conn.response()
        assert status == 400 and headers["connection"] == "close"
    assert call(registry, "HEAD", f"/v2/lib/app/blobs/{digest(data)}")[0] == 404
    status, headers, _ = call(registry, "GET", location)
    assert status == 204 and headers["Range"] == "0-0"  # the half chunk was cut away again


@pytest.mark.parametrize("head,status", [
    (b"GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n", 431),
    (b"GET /v2/ HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n", 431),
    (b"GET /v2/" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
])
def test_huge_heads_are_refused_with_a_close(registry, head, status):
    with Conn(registry) as conn:
        try:
            conn.send(head)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may stop reading once it has seen enough
        got, headers, body = conn.response()
        assert got == status and headers["connection"] == "close"
        assert headers["content-type"] == "application/json" and code(body)


def test_a_silent_half_head_gets_408_within_the_header_timeout(registry):
    with Conn(registry) as conn:
        conn.send(b"GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        status, headers, _ = conn.response()  # blocks until the server gives up on the head
        assert status == 408 and headers["connection"] == "close"


def test_slowloris_is_cut_off_by_the_head_deadline(registry):
    """One header line every 50 ms would take 50 s to finish; the 1 s head deadline ends it long before."""
    sent = []
    with Conn(registry) as conn:
        conn.send(b"GET /v2/ HTTP/1.1\r\n")

        def trickle() -> None:
            try:
                for i in range(1000):
                    conn.sock.sendall(b"X-%d: y\r\n" % i)
                    sent.append(i)
                    time.sleep(0.05)  # the attack itself: a slow client, not a wait for our result
            except OSError:
                pass

        thread = threading.Thread(target=trickle, daemon=True)
        thread.start()
        status, headers, _ = conn.response()
        assert status == 408 and headers["connection"] == "close"
        thread.join(timeout=30)
        assert not thread.is_alive() and len(sent) < 1000  # the server closed on it: its sends failed


@pytest.mark.parametrize("lengths", [
    {"Content-Length": "-1"}, {"Content-Length": "abc"}, {"Content-Length": "5, 6"}, {"Content-Length": " +5"},
    {"Content-Length": str(len(SMUGGLED)), "Transfer-Encoding": "chunked"},
    {"Transfer-Encoding": "gzip, chunked"},
])
def test_ambiguous_lengths_are_refused_and_the_body_never_runs(registry, lengths):
    with Conn(registry) as conn:
        conn.send(request("PATCH", upload(registry), SMUGGLED, lengths))
        status, headers, body = conn.response()
        assert status in (400, 501) and headers["connection"] == "close" and b"repositories" not in body
        assert conn.at_eof()


def test_duplicate_content_length_headers_that_disagree_are_refused(registry):
    with Conn(registry) as conn:
        raw = request("PATCH", upload(registry), SMUGGLED, {"Content-Length": "0"})
        conn.send(raw.replace(b"Content-Length: 0", b"Content-Length: 0\r\nContent-Length: %d" % len(SMUGGLED)))
        status, headers, _ = conn.response()
        assert status == 400 and headers["connection"] == "close"
        assert conn.at_eof()


def test_a_chunked_body_with_a_bad_chunk_size_closes(registry):
    with Conn(registry) as conn:
        conn.send(request("PATCH", upload(registry), b"zz\r\n" + SMUGGLED, {"Transfer-Encoding": "chunked"}))
        status, headers, _ = conn.response()
        assert status == 400 and headers["connection"] == "close"
        assert conn.at_eof()


@pytest.mark.parametrize("line", [b"GET /v2/_catalog\r\n", b"GET /v2/_catalog HTTP/9.9\r\n\r\n", b"garbage\r\n\r\n"])
def test_bad_request_lines_get_a_json_answer_and_a_close_never_an_html_page(registry, line):
    with Conn(registry) as conn:
        conn.send(line)
        raw = conn.file.read()  # everything until the server closes
    assert raw.startswith(b"HTTP/1.1 4") or raw.startswith(b"HTTP/1.1 505")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"Connection: close" in head and b"<html" not in raw.lower() and b"repositories" not in raw
    assert json.loads(body)["errors"]


def test_manifest_and_blob_bodies_over_their_limits_get_413(tmp_path):
    with serving(tmp_path / "r", max_manifest_bytes=1024, max_blob_bytes=1000, linger_seconds=0.5) as server:
        big = json.dumps({"schemaVersion": 2, "pad": "x" * 2000}).encode()
        status, headers, body = call(server, "PUT", "/v2/lib/app/manifests/v1", big,
                                     {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
        assert status == 413 and code(body) == "MANIFEST_INVALID"
        with Conn(server) as conn:  # chunked: no length to refuse up front, cut at the limit
            chunked = b"".join(b"%x\r\n%s\r\n" % (len(big[i:i + 500]), big[i:i + 500]) for i in range(0, len(big), 500))
            conn.send(request("PUT", "/v2/lib/app/manifests/v1", chunked + b"0\r\n\r\n",
                              {"Transfer-Encoding": "chunked", "Content-Type": "application/vnd.oci.image.manifest.v1+json"}))
            assert conn.response()[0] == 413
        location = upload(server)
        status, _, body = call(server, "PATCH", location, b"y" * 2000)
        assert status == 413
        status, headers, _ = call(server, "GET", location)
        assert status == 204 and headers["Range"] == "0-0"
        status, _, body = call(server, "GET", "/v2/lib/app/manifests/v1")
        assert status == 404 and code(body) == "MANIFEST_UNKNOWN"  # neither manifest body was stored


def test_concurrent_uploads_to_one_repository_are_bounded(tmp_path):
    with serving(tmp_path / "r", max_uploads_per_repository=2) as server:
        first, second = upload(server), upload(server)
        status, headers, body = call(server, "POST", "/v2/lib/app/blobs/uploads/")
        assert status == 429 and code(body) == "TOOMANYREQUESTS" and headers["Retry-After"]
        assert call(server, "POST", "/v2/lib/other/blobs/uploads/")[0] == 202  # another repository is not held up
        assert call(server, "DELETE", first)[0] == 204
        assert call(server, "POST", "/v2/lib/app/blobs/uploads/")[0] == 202
        assert call(server, "GET", second)[0] == 204


def test_connections_beyond_the_limit_get_503_not_a_queue(tmp_path):
    with serving(tmp_path / "r", max_connections=2, idle_timeout=5.0) as server:
        held = [Conn(server), Conn(server)]
        try:
            for conn in held:  # each holds a thread: it sent a request and keeps the connection open
                conn.send(request("GET", "/v2/"))
                assert conn.response()[0] == 200
            with Conn(server) as extra:
                extra.send(request("GET", "/v2/_catalog"))
                status, headers, _ = extra.response()
                assert status == 503 and headers["connection"] == "close"
        finally:
            for conn in held:
                conn.close()


def test_a_client_that_connects_and_never_speaks_is_let_go(tmp_path):
    with serving(tmp_path / "r", idle_timeout=0.5) as server:
        with Conn(server) as conn:
            assert conn.at_eof()  # closed by the server (the socket's own timeout is 10 s)


def test_expect_100_continue_is_answered_when_the_body_is_wanted(registry):
    location = upload(registry)
    with Conn(registry) as conn:
        conn.send(request("PATCH", location, headers={"Content-Range": "0-2", "Content-Length": "3",
                                                      "Expect": "100-continue"}))
        assert conn.file.readline() == b"HTTP/1.1 100 Continue\r\n" and conn.file.readline() == b"\r\n"
        conn.send(b"abc")
        status, headers, _ = conn.response()
        assert status == 202 and headers["range"] == "0-2"


def test_an_internal_failure_is_a_500_the_client_can_read(registry, monkeypatch, capfd):
    def broken(name):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(registry.storage, "tags", broken)
    status, headers, body = call(registry, "GET", "/v2/lib/app/tags/list")
    assert status == 500 and "Input/output error" in json.loads(body)["errors"][0]["message"]
    assert "GET /v2/lib/app/tags/list failed" in capfd.readouterr().err
    assert call(registry, "GET", "/v2/")[0] == 200  # the server lives on


def test_pipelined_requests_are_each_answered_in_order(registry):
    """The other side of smuggling: requests a client really sent back to back all get their answer."""
    location = upload(registry)
    with Conn(registry) as conn:
        conn.send(request("PATCH", location, b"abc", {"Content-Range": "0-2"}) + request("GET", location)
                  + request("GET", "/v2/lib/app/tags/list"))
        first, second, third = conn.response(), conn.response(), conn.response()
    assert (first[0], first[1]["range"]) == (202, "0-2")
    assert (second[0], second[1]["range"]) == (204, "0-2")
    assert third[0] == 200 and json.loads(third[2]) == {"name": "lib/app", "tags": ["v1"]}
