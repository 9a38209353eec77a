"""The client's transport against an in-test fake Engine API: version negotiation, keep-alive, errors, streams, hijack."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest

from client_fake_engine import FakeEngine, Reply, frame
from minidocker.client.errors import APIError, Conflict, DaemonUnreachable, NotFound
from minidocker.client.streams import iter_frames, iter_json
from minidocker.client.transport import Transport, encode_query


@pytest.fixture
def engine(tmp_path: Path):
    eng = FakeEngine(tmp_path / "api.sock").start()
    yield eng
    eng.stop()


def test_negotiates_the_version_from_the_ping_header(engine: FakeEngine) -> None:
    engine.route("GET", "/info", Reply(body={"ID": "x"}))
    t = Transport(f"unix://{engine.sock_path}")
    assert t.call("GET", "/info").json() == {"ID": "x"}
    assert [s.method + " " + s.path for s in engine.seen] == ["HEAD /_ping", "GET /v1.41/info"]


@pytest.mark.parametrize("server, expected", [(None, "1.24"), ("1.30", "1.30"), ("1.45", "1.41")])
def test_version_falls_back_like_the_docker_cli(tmp_path: Path, server: str | None, expected: str) -> None:
    eng = FakeEngine(tmp_path / "s.sock", api_version=server).start()
    try:
        eng.route("GET", "/version", Reply(body={}))
        t = Transport(str(eng.sock_path))
        t.call("GET", "/version")
        assert eng.seen[-1].path == f"/v{expected}/version"
    finally:
        eng.stop()


def test_ordinary_calls_share_one_keepalive_connection(engine: FakeEngine) -> None:
    engine.route("GET", "/info", Reply(body={}))
    t = Transport(f"unix://{engine.sock_path}")
    for _ in range(3):
        t.call("GET", "/info")
    assert len({s.conn_id for s in engine.seen}) == 1


def test_streams_get_a_connection_of_their_own(engine: FakeEngine) -> None:
    engine.route("GET", "/info", Reply(body={}))
    engine.route("POST", "/images/create", Reply(chunks=[b'{"status":"a"}']))
    t = Transport(f"unix://{engine.sock_path}")
    t.call("GET", "/info")
    t.open("POST", "/images/create").read()
    ids = [s.conn_id for s in engine.seen]
    assert ids[0] == ids[1] != ids[2]


@pytest.mark.parametrize("status, cls", [(404, NotFound), (409, Conflict), (500, APIError), (400, APIError)])
def test_error_answers_become_typed_errors_with_the_daemon_message(engine: FakeEngine, status: int, cls: type) -> None:
    engine.route("DELETE", "/containers/x", Reply(status, {"message": f"boom {status}"}))
    t = Transport(str(engine.sock_path))
    with pytest.raises(cls) as info:
        t.call("DELETE", "/containers/x")
    assert info.value.status == status
    assert str(info.value) == f"Error response from daemon: boom {status}"


def test_a_non_json_error_body_is_kept_as_text(engine: FakeEngine) -> None:
    engine.route("GET", "/info", Reply(502, raw=b"bad gateway\n"))
    with pytest.raises(APIError, match="bad gateway"):
        Transport(str(engine.sock_path)).call("GET", "/info")


def test_missing_socket_says_the_daemon_is_not_running(tmp_path: Path) -> None:
    t = Transport(f"unix://{tmp_path}/nothing.sock")
    with pytest.raises(DaemonUnreachable, match="Is the minidocker daemon running"):
        t.call("GET", "/info")


def test_a_stale_socket_file_is_unreachable_too(tmp_path: Path) -> None:
    path = tmp_path / "stale.sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.close()  # bound, never listening: connect is refused
    with pytest.raises(DaemonUnreachable):
        Transport(str(path)).call("GET", "/info")


def test_query_is_encoded_like_go_url_values() -> None:
    assert encode_query({"tag": "latest", "fromImage": "localhost:5000/busybox"}) == \
        "fromImage=localhost%3A5000%2Fbusybox&tag=latest"
    assert encode_query({"b": True, "a": False, "c": None}) == "a=0&b=1"
    assert encode_query([("t", "a:1"), ("t", "b"), ("x", None)]) == "t=a%3A1&t=b"


def test_json_messages_split_anywhere_across_chunks_are_decoded(engine: FakeEngine) -> None:
    stream = b'{"status":"Pulling fs layer","id":"abc"}\r\n{"stream":"caf\xc3\xa9\\n"}{"aux":{"ID":"sha256:1"}}\n'
    cuts = [5, 17, 41, 62, 63, len(stream)]  # one cut splits the two bytes of the e-acute
    chunks, prev = [], 0
    for c in cuts:
        chunks.append(stream[prev:c])
        prev = c
    engine.route("POST", "/build", Reply(chunks=chunks))
    resp = Transport(str(engine.sock_path)).open("POST", "/build")
    assert list(iter_json(resp)) == [{"status": "Pulling fs layer", "id": "abc"}, {"stream": "café\n"},
                                     {"aux": {"ID": "sha256:1"}}]


def test_chunked_frames_are_demultiplexed(engine: FakeEngine) -> None:
    payload = frame(1, b"hello\n") + frame(2, b"oops\n") + frame(1, b"x" * 70000)
    engine.route("GET", "/containers/c/logs", Reply(chunks=[payload[:3], payload[3:20], payload[20:]]))
    resp = Transport(str(engine.sock_path)).open("GET", "/containers/c/logs")
    got = list(iter_frames(resp))
    assert got == [(1, b"hello\n"), (2, b"oops\n"), (1, b"x" * 70000)]


def test_hijack_upgrades_sends_stdin_half_closes_and_reads_until_close(engine: FakeEngine) -> None:
    seen_eof = threading.Event()

    def echo_upper(sock: socket.socket, _rest: bytes) -> None:
        data = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        seen_eof.set()  # the client's half-close reached us; we can still answer
        sock.sendall(frame(1, data.upper()) + frame(2, b"done\n"))
        sock.shutdown(socket.SHUT_WR)

    engine.route("POST", "/containers/c/attach", Reply(hijack=echo_upper))
    t = Transport(str(engine.sock_path))
    stream = t.hijack("POST", "/containers/c/attach", {"stdin": "1", "stdout": "1", "stream": "1"},
                      headers={"Content-Type": "text/plain"})
    stream.sendall(b"abc\n")
    stream.close_write()
    assert list(iter_frames(stream)) == [(1, b"ABC\n"), (2, b"done\n")]
    assert seen_eof.is_set()
    req = engine.seen[-1]
    assert req.headers["connection"].lower() == "upgrade" and req.headers["upgrade"] == "tcp"
    assert req.query == {"stdin": "1", "stdout": "1", "stream": "1"}


def test_hijack_refused_raises_the_daemon_error(engine: FakeEngine) -> None:
    engine.route("POST", "/exec/e/start", Reply(409, {"message": "Container abc is not running"}))
    with pytest.raises(Conflict, match="is not running"):
        Transport(str(engine.sock_path)).hijack("POST", "/exec/e/start", body={"Detach": False, "Tty": False})


def test_pending_request_is_read_later(engine: FakeEngine) -> None:
    release = threading.Event()

    def slow_wait(_seen):
        release.wait(10)
        return Reply(body={"StatusCode": 7, "Error": None})

    engine.route("POST", "/containers/c/wait", slow_wait)
    t = Transport(str(engine.sock_path))
    pending = t.send("POST", "/containers/c/wait", {"condition": "next-exit"})
    release.set()
    assert pending.json() == {"StatusCode": 7, "Error": None}
    body = json.loads(json.dumps(engine.seen[-1].query))
    assert body == {"condition": "next-exit"}
