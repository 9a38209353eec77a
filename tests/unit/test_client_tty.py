"""run -t under a real pseudo-terminal: ConsoleSize in the create body, a resize call after start, raw output."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest

from client_fake_engine import FakeEngine, Reply

CID = "cd" * 32


@pytest.fixture
def engine(tmp_path: Path):
    eng = FakeEngine(tmp_path / "api.sock").start()
    yield eng
    eng.stop()


def test_run_tty_sizes_the_terminal_and_copies_raw_bytes(engine: FakeEngine) -> None:
    started = threading.Event()
    engine.route("POST", "/containers/create", Reply(201, {"Id": CID, "Warnings": []}))

    def wait_body():
        started.wait(10)
        yield b'{"Error":null,"StatusCode":5}'

    engine.route("POST", f"/containers/{CID}/wait", lambda _s: Reply(chunks=wait_body()))

    def attach(sock: socket.socket, _rest: bytes) -> None:
        started.wait(10)
        sock.sendall(b"raw\r\nbytes\r\n")  # a tty stream has no frame headers
        sock.close()

    def start(_seen):
        started.set()
        return Reply(204)

    engine.route("POST", f"/containers/{CID}/attach", Reply(hijack=attach))
    engine.route("POST", f"/containers/{CID}/start", start)
    engine.route("POST", f"/containers/{CID}/resize", Reply(200))

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 120, 0, 0))
    env = dict(os.environ, MINIDOCKER_HOST=f"unix://{engine.sock_path}")
    proc = subprocess.Popen([sys.executable, "-m", "minidocker.client.cli", "run", "--rm", "-it", "busybox", "sh"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    output = b""
    try:
        assert proc.wait(timeout=30) == 5
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert b"raw\r\nbytes\r\n" in output
    create = json.loads(next(s for s in engine.seen if s.path.endswith("/containers/create")).body)
    assert create["Tty"] and create["OpenStdin"] and create["AttachStdin"]
    assert create["HostConfig"]["ConsoleSize"] == [33, 120]
    resize = next(s for s in engine.seen if s.path.endswith("/resize"))
    assert resize.query == {"h": "33", "w": "120"}
    paths = [p for _m, p in engine.requests()]
    assert paths.index(f"/containers/{CID}/start") < paths.index(f"/containers/{CID}/resize")
