"""The shim's JSON-lines protocol: framing, errors as errors.py class names, and a live shim socket server."""

from __future__ import annotations

import threading

import pytest

from minidocker.errors import NotFound
from minidocker.shim import protocol
from minidocker.shim.server import Server, answer
from minidocker.shim.service import TaskService


def test_encode_decode_roundtrip():
    line = protocol.encode({"method": "kill", "signal": 9})
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert protocol.decode(line) == {"method": "kill", "signal": 9}
    with pytest.raises(ValueError):
        protocol.decode(b"[1, 2]")


def test_socket_address_is_short_and_stable():
    a = protocol.socket_address("/run/minidocker", "f" * 64)
    assert a == protocol.socket_address("/run/minidocker", "f" * 64)
    assert len(a) < 50 and a != protocol.socket_address("/run/minidocker", "e" * 64)


def test_answers_map_errors(tmp_path):
    service = TaskService("c1", str(tmp_path), str(tmp_path))
    assert answer(service, b'{"method": "nope"}')["kind"] == "InvalidArgument"
    assert answer(service, b"not json")["kind"] == "InvalidArgument"
    reply = answer(service, b'{"method": "state"}')
    assert (reply["ok"], reply["kind"]) == (False, "NotFound")
    assert answer(service, b'{"method": "create", "spec": "x"}')["kind"] == "InvalidArgument"


def test_server_serves_and_stops_on_shutdown(tmp_path):
    service = TaskService("c1", str(tmp_path), str(tmp_path))
    address = str(tmp_path / "s" / "sock")
    server = Server(service, address)
    thread = threading.Thread(target=server.serve)
    thread.start()
    try:
        with protocol.ShimConnection(address) as conn:
            assert conn.call("ping")["pid"] > 0
            with pytest.raises(protocol.ShimError) as err:
                conn.call("wait")
            assert err.value.kind == NotFound.__name__
            conn.call("shutdown")  # nothing created: the shim may go
    finally:
        thread.join(5)
    assert not thread.is_alive()
    assert not (tmp_path / "s" / "sock").exists()
