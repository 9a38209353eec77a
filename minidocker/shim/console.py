"""Receiving a container's pty master from the runtime over --console-socket (cf. runc's recvtty and
containerd pkg/process/init.go): the runtime opens the pty inside the container and sends the
master end as an SCM_RIGHTS message, so that the shim, not the short-lived runtime, holds it.
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct
import termios


class ConsoleSocket:
    """A listening unix socket the runtime connects to once, to hand over the pty master."""

    def __init__(self, path: str) -> None:
        self.path = path
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)

    def receive(self, timeout: float = 30.0) -> int:
        """The master fd the runtime sent (runc sends it during create, before exiting)."""
        self.sock.settimeout(timeout)
        conn, _ = self.sock.accept()
        with conn:
            _msg, fds, _flags, _addr = socket.recv_fds(conn, 4096, 1)
        if not fds:
            raise OSError("the runtime sent no console fd")
        os.set_inheritable(fds[0], False)
        return fds[0]

    def close(self) -> None:
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def resize(master_fd: int, width: int, height: int) -> None:
    """TIOCSWINSZ on the master: the kernel sends SIGWINCH to the terminal's foreground group."""
    fcntl.ioctl(master_fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
