"""The Engine API HTTP server: ping headers, version prefixes, keep-alive, errors in one place, chunked streams, hijack."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from minidocker.dockerd import streams
from minidocker.dockerd.api import router, server
from minidocker.errors import Conflict, NotFound


class FakeBackend:
    pass


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    from minidocker.dockerd.api import system  # noqa: F401 - registers /_ping

    @router.route("GET", "/unit-test/{id}/boom")
    def boom(req):
        if req.params["id"] == "missing":
            raise NotFound(f"No such container: {req.params['id']}")
        if req.params["id"] == "busy":
            raise Conflict("in use")
        raise RuntimeError("a bug")

    @router.route("POST", "/unit-test/echo")
    def echo(req):
        return router.Response(200, {"query": req.query, "body": req.body.decode(), "flag": req.flag("force")})

    @router.route("POST", "/unit-test/stream")
    def stream(req):
        return router.Response(200, stream=iter([b"one", b"", b"two"]))

    @router.route("POST", "/unit-test/hijack")
    def hijack(req):
        def serve(conn):
            data = b""
            while True:
                chunk = conn.recv(100)
                if not chunk:
                    break
                data += chunk
            conn.sendall(streams.frame(streams.STDOUT, data.upper()))

        return router.Response(200, hijack=serve)

    path = str(tmp_path_factory.mktemp("sock") / "api.sock")
    srv = server.listen_unix(path, FakeBackend(), "test", group=None)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield path
    srv.shutdown()
    srv.server_close()


def _exchange(path: str, raw: bytes) -> bytes:
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(raw)
    s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    return out


def _split(resp: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return lines[0], headers, body


def test_head_ping_carries_the_api_version(api):
    status, headers, body = _split(_exchange(api, b"HEAD /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n"))
    assert status == "HTTP/1.1 200 OK"
    assert headers["api-version"] == "1.41"
    assert headers["ostype"] == "linux"
    assert headers["docker-experimental"] == "false"
    assert headers["content-length"] == "0"
    assert headers["content-type"].startswith("text/plain")
    assert body == b""


def test_versioned_and_unversioned_paths_and_keep_alive(api):
    raw = (b"GET /v1.41/_ping HTTP/1.1\r\nHost: d\r\n\r\n"
           b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
    out = _exchange(api, raw)
    assert out.count(b"HTTP/1.1 200 OK") == 2
    assert out.count(b"\r\n\r\nOK") == 2


def test_errors_are_json_messages_with_their_status(api):
    status, headers, body = _split(_exchange(api, b"GET /v1.41/unit-test/missing/boom HTTP/1.1\r\nConnection: close\r\n\r\n"))
    assert status.startswith("HTTP/1.1 404")
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"message": "No such container: missing"}
    status, _, body = _split(_exchange(api, b"GET /unit-test/busy/boom HTTP/1.1\r\nConnection: close\r\n\r\n"))
    assert status.startswith("HTTP/1.1 409") and json.loads(body)["message"] == "in use"
    status, _, body = _split(_exchange(api, b"GET /unit-test/x/boom HTTP/1.1\r\nConnection: close\r\n\r\n"))
    assert status.startswith("HTTP/1.1 500") and json.loads(body)["message"] == "a bug"
    status, _, body = _split(_exchange(api, b"GET /no/such/route HTTP/1.1\r\nConnection: close\r\n\r\n"))
    assert status.startswith("HTTP/1.1 404") and "message" in json.loads(body)


def test_chunked_request_body_and_boolean_words(api):
    raw = (b"POST /unit-test/echo?force=True&name=x%2Fy HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
           b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    _, _, body = _split(_exchange(api, raw))
    data = json.loads(body)
    assert data == {"query": {"force": "True", "name": "x/y"}, "body": "hello world", "flag": True}


def test_streams_are_chunked(api):
    _, headers, body = _split(_exchange(api, b"POST /unit-test/stream HTTP/1.1\r\nConnection: close\r\n\r\n"))
    assert headers["transfer-encoding"] == "chunked"
    assert body == b"3\r\none\r\n3\r\ntwo\r\n0\r\n\r\n"


def test_hijack_answers_101_and_hands_over_the_socket(api):
    raw = (b"POST /unit-test/hijack HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n"
           b"early bytes ")
    s = socket.socket(socket.AF_UNIX)
    s.connect(api)
    s.sendall(raw)
    s.sendall(b"and late ones")
    s.shutdown(socket.SHUT_WR)  # the client's half-close = end of stdin
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    status, headers, body = _split(out)
    assert status == "HTTP/1.1 101 UPGRADED"
    assert headers["content-type"] == "application/vnd.docker.raw-stream"
    assert headers["upgrade"] == "tcp"
    assert streams.parse(body) == [(1, b"EARLY BYTES AND LATE ONES")]


def test_frames_roundtrip():
    data = streams.frame(streams.STDERR, b"err\n") + streams.frame(streams.STDOUT, b"hi\n")
    assert data[:8] == b"\x02\x00\x00\x00\x00\x00\x00\x04"
    assert streams.parse(data) == [(2, b"err\n"), (1, b"hi\n")]
    with pytest.raises(ValueError):
        streams.parse(data[:-1])


def test_peer_gone_tells_a_hang_up_from_a_half_close():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    conn = server.Connection(a)
    assert conn.peer_gone() is False
    b.shutdown(socket.SHUT_WR)  # the docker CLI does this on an attach without stdin
    assert conn.peer_gone() is False
    b.close()
    assert conn.peer_gone() is True
    a.close()


def test_expect_100_continue(api):
    out = _exchange(api, b"POST /unit-test/echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n"
                         b"Connection: close\r\n\r\nhi")
    assert out.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
    assert json.loads(out.split(b"\r\n\r\n", 2)[2])["body"] == "hi"
