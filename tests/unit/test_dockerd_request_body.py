"""Request bodies are read in bounded memory: a large one (an image to load, a build context) is spooled to a file."""

from __future__ import annotations

import socket
import threading
import tracemalloc

import pytest

from minidocker.dockerd.api import router, server

BIG = 8 << 20


def read_body(raw_request_body: bytes, headers: dict[str, str]):
    a, b = socket.socketpair()
    sender = threading.Thread(target=lambda: (a.sendall(raw_request_body), a.close()))
    sender.start()
    try:
        tracemalloc.start()
        body, spooled = server._read_body(server.Connection(b), headers)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        sender.join()
        b.close()
    return body, spooled, peak


def test_a_large_body_is_spooled_to_disk_not_held(md_root):
    payload = bytes(range(256)) * (BIG // 256)
    body, spooled, peak = read_body(payload, {"content-length": str(len(payload))})
    assert body == b"" and spooled is not None
    try:
        assert peak < 2 * server.IN_MEMORY_BODY, f"peak {peak} bytes for an {BIG}-byte body"
        req = router.Request("POST", "/images/load", {}, {}, {}, body, body_file=spooled)
        stream = req.body_stream()
        got = b"".join(iter(lambda: stream.read(1 << 16), b""))
        assert got == payload
    finally:
        spooled.close()


def test_a_large_chunked_body_too(md_root):
    payload = b"x" * BIG
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(payload[i:i + 300000]), payload[i:i + 300000])
                       for i in range(0, len(payload), 300000)) + b"0\r\n\r\n"
    body, spooled, peak = read_body(chunked, {"transfer-encoding": "chunked"})
    try:
        assert body == b"" and spooled.read() == payload
        assert peak < 2 * server.IN_MEMORY_BODY
    finally:
        spooled.close()


def test_small_bodies_stay_in_memory_and_json_reads_either(md_root):
    body, spooled, _ = read_body(b'{"a": 1}', {"content-length": "8"})
    assert (body, spooled) == (b'{"a": 1}', None)
    big_json = b'{"Labels": {"k": "' + b"v" * (2 << 20) + b'"}}'
    body, spooled, _ = read_body(big_json, {"content-length": str(len(big_json))})
    try:
        req = router.Request("POST", "/containers/create", {}, {}, {}, body, body_file=spooled)
        assert len(req.json()["Labels"]["k"]) == 2 << 20
    finally:
        spooled.close()


@pytest.mark.parametrize("headers", [{"content-length": "-5"}, {"content-length": "x"},
                                     {"transfer-encoding": "chunked"}])
def test_a_malformed_length_closes_the_connection(md_root, headers):
    with pytest.raises(ConnectionError):
        read_body(b"zz\r\n", headers)
