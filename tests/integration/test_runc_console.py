"""process.terminal with --console-socket: the pty master arrives over the socket (SCM_RIGHTS) and the
container's process has the slave as its controlling terminal, as `docker run -t` needs."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest
from runc_fixture import bundle, configure, runtimes  # noqa: F401 - fixtures

pytestmark = pytest.mark.root


def read_until_eof(fd: int, seconds: float = 10) -> bytes:
    data = b""
    deadline = time.monotonic() + seconds
    os.set_blocking(fd, False)
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            time.sleep(0.01)
            continue
        except OSError:  # EIO: the last slave fd closed
            break
        if not chunk:
            break
        data += chunk
    return data


def test_console_socket_receives_the_pty_master(runtimes, bundle: Path, tmp_path: Path) -> None:
    configure(bundle, args=["sh", "-c", "tty; test -t 0 && echo STDIN-IS-TTY; ls -l /dev/console | cut -c1"], terminal=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = str(tmp_path / "console.sock")
    server.bind(path)
    server.listen(1)
    cid = runtimes.new_id("tty")
    master = None
    try:
        done = runtimes("minirunc", "create", "--console-socket", path, "--bundle", str(bundle), cid)
        assert done.returncode == 0, done.stderr
        conn, _ = server.accept()
        name, fds, _, _ = socket.recv_fds(conn, 4096, 1)
        conn.close()
        assert len(fds) == 1 and name.startswith(b"/dev/pts/")
        master = fds[0]
        assert os.isatty(master)
        assert runtimes("minirunc", "start", cid).returncode == 0
        out = read_until_eof(master).decode().replace("\r", "").split("\n")
        assert out[0].startswith("/dev/pts/") and "STDIN-IS-TTY" in out and "c" in out
    finally:
        server.close()
        if master is not None:
            os.close(master)


def test_terminal_without_console_socket_is_refused(runtimes, bundle: Path) -> None:
    configure(bundle, terminal=True)
    cid = runtimes.new_id("tty")
    done = runtimes("minirunc", "create", "--bundle", str(bundle), cid)
    assert done.returncode != 0 and "console socket" in done.stderr
