"""process.terminal: a pty whose slave is the container's controlling terminal and whose master goes to the
caller over --console-socket with SCM_RIGHTS (cf. runc libcontainer/console_linux.go, utils.SendFile)."""

from __future__ import annotations

import os

from ..errors import InvalidArgument


def connect(path: str) -> int:
    """The caller's console socket, connected before pivot_root hides the host's paths; returns its fd."""
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as e:
        sock.close()
        raise InvalidArgument(f"cannot connect to console socket {path}: {e.strerror}") from None
    return sock.detach()


def setup_slave(sock_fd: int, size: tuple[int, int] | None, bind_console: bool = True) -> None:
    """In the init, after pivot_root: open a pty of the container's own devpts, send the master, make the
    slave fd 0/1/2 and the controlling terminal, and bind it over /dev/console."""
    import fcntl
    import socket
    import struct
    import termios

    from ..linux import mount as m

    master, slave = os.openpty()
    name = os.ttyname(slave)
    if size and size[0] and size[1]:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    sock = socket.socket(fileno=sock_fd)
    socket.send_fds(sock, [name.encode()], [master])
    sock.close()
    os.close(master)
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    if slave > 2:
        os.close(slave)
    if not bind_console:  # exec: the container's /dev/console already belongs to its init
        return
    if not os.path.exists("/dev/console"):
        open("/dev/console", "a").close()
    m.mount(name, "/dev/console", None, m.MS_BIND)


def receive_master(sock_fd: int) -> int:
    """The master fd the init sent (used by `run` in the foreground with a terminal)."""
    import socket

    sock = socket.socket(fileno=sock_fd)
    try:
        _, fds, _, _ = socket.recv_fds(sock, 4096, 1)
    finally:
        sock.close()
    if not fds:
        raise InvalidArgument("the container's init sent no terminal")
    return fds[0]


def proxy(master: int) -> None:
    """Copy our stdin to the pty and the pty to our stdout until the container closes it; raw mode
    on a terminal stdin, so keys such as ^C reach the container's terminal instead of us."""
    import select
    import termios
    import tty

    saved = None
    if os.isatty(0):
        saved = termios.tcgetattr(0)
        tty.setraw(0)
    try:
        inputs = [0, master]
        while True:
            ready, _, _ = select.select(inputs, [], [])
            if master in ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    data = b""  # EIO: every slave fd closed, the container is gone
                if not data:
                    return
                os.write(1, data)
            if 0 in ready:
                data = os.read(0, 65536)
                if data:
                    os.write(master, data)
                else:
                    inputs.remove(0)
    finally:
        if saved is not None:
            termios.tcsetattr(0, termios.TCSADRAIN, saved)
