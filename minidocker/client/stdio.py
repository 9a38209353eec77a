"""Copying between the terminal and a hijacked stream: stdin in, stdout/stderr out, raw mode and resize for -t (cf. docker/cli cli/command/container/hijack.go, tty.go).

Stdin goes on a thread and ends with a half-close, so the container sees EOF while its output keeps
coming back on the same socket; the call returns when the daemon closes the stream.
"""

from __future__ import annotations

import os
import sys

from .streams import STDERR, iter_output

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import threading
    from typing import Callable

    from .hijack import Hijacked


def detach_keys_setting(flag: str = "") -> str:
    """--detach-keys, else "detachKeys" of the client's config.json (ours, then docker's ~/.docker), else ""
    (the daemon's default, ctrl-p,ctrl-q), as the docker CLI picks it."""
    if flag:
        return flag
    from .auth import load
    from ..jsonfast import loads

    if load().get("detachKeys"):
        return str(load()["detachKeys"])
    docker_dir = os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    try:
        with open(os.path.join(docker_dir, "config.json"), "rb") as f:
            return str(loads(f.read()).get("detachKeys") or "")
    except (OSError, ValueError, AttributeError):
        return ""


def _escape_proxy(keys: str):
    """The CLI watches its own stdin for the detach keys too (docker/cli hijack.go setupInput); a bad
    sequence falls back to the default, as there."""
    from ..dockerd.containers.detachkeys import DEFAULT, EscapeProxy, parse

    try:
        return EscapeProxy(parse(keys))
    except ValueError:
        return EscapeProxy(DEFAULT)


def _copy_stdin(stream: Hijacked, fd: int, escape=None, detached: threading.Event | None = None) -> None:
    try:
        while True:
            data = os.read(fd, 32768)
            if not data:
                break
            if escape is not None:
                data, detach_now = escape.feed(data)
                if data:
                    stream.sendall(data)
                if detach_now and detached is not None:
                    detached.set()
                    try:
                        stream.sock.shutdown(2)  # SHUT_RDWR: the output loop ends at once
                    except OSError:
                        pass
                    return
                continue
            stream.sendall(data)
    except OSError:
        pass
    finally:
        stream.close_write()


def write_all(fd: int, data: bytes) -> None:
    while data:
        n = os.write(fd, data)
        data = data[n:]


def pump(stream: Hijacked, tty: bool, stdin: bool, out_fd: int | None = None, err_fd: int | None = None,
         detach_keys: str = "") -> bool:
    """Send our stdin (when asked) and copy the container's output until the stream ends; True when the
    user typed the detach keys (with a tty only: the container runs on)."""
    out_fd = sys.stdout.fileno() if out_fd is None else out_fd
    err_fd = sys.stderr.fileno() if err_fd is None else err_fd
    sys.stdout.flush()
    sys.stderr.flush()
    detached = None
    if stdin:
        import threading

        detached = threading.Event()
        escape = _escape_proxy(detach_keys) if tty else None
        threading.Thread(target=_copy_stdin, args=(stream, sys.stdin.fileno(), escape, detached), daemon=True).start()
    try:
        for sid, data in iter_output(stream, tty):
            write_all(err_fd if sid == STDERR else out_fd, data)
    except OSError:
        if detached is None or not detached.is_set():
            raise
    finally:
        stream.close()
    return detached is not None and detached.is_set()


class RawTerminal:
    """Put the local terminal in raw mode for -t, restore it on exit; report its size on SIGWINCH."""

    def __init__(self, resize: Callable[[int, int], None] | None = None) -> None:
        self.resize = resize
        self._saved = None
        self._old_handler = None

    def size(self) -> tuple[int, int]:
        try:
            cols, rows = os.get_terminal_size(sys.stdout.fileno())
            return rows, cols
        except OSError:
            return 0, 0

    def send_size(self, redraw: bool = False) -> None:
        """Tell the daemon our size; redraw: one row and column more first, so the size really changes and
        the program in the container (a shell at its prompt) gets SIGWINCH and repaints, as `docker attach` does."""
        rows, cols = self.size()
        if self.resize and rows and cols:
            try:
                if redraw:
                    self.resize(rows + 1, cols + 1)
                self.resize(rows, cols)
            except Exception:  # a failed resize never stops the session (docker only logs it)
                pass

    def __enter__(self) -> "RawTerminal":
        import signal
        import termios
        import tty

        if sys.stdin.isatty():
            self._saved = termios.tcgetattr(sys.stdin.fileno())
            tty.setraw(sys.stdin.fileno())
        if self.resize:
            self._old_handler = signal.signal(signal.SIGWINCH, lambda *_: self.send_size())
        return self

    def __exit__(self, *exc: object) -> None:
        import signal
        import termios

        if self._saved is not None:
            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._saved)
        if self._old_handler is not None:
            signal.signal(signal.SIGWINCH, self._old_handler)


def proxy_signals(kill: Callable[[str], None]) -> Callable[[], None]:
    """--sig-proxy: forward SIGINT/SIGTERM/SIGHUP to the container; returns a function restoring the handlers.

    Through _signal, the C module under signal.py: signal.py builds enums of every signal and handler
    when imported (~0.5 ms on every `run`), and this needs three numbers."""
    import _signal

    names = {_signal.SIGINT: "INT", _signal.SIGTERM: "TERM", _signal.SIGHUP: "HUP"}
    saved = {}

    def handler(signum: int, _frame: object) -> None:
        import threading

        threading.Thread(target=kill, args=(names[signum],), daemon=True).start()

    for sig in names:
        saved[sig] = _signal.signal(sig, handler)

    def restore() -> None:
        for sig, old in saved.items():
            _signal.signal(sig, old)

    return restore


def relay(cli, cid: str, stream: Hijacked, tty: bool, stdin: bool, sig_proxy: bool, detach_keys: str = "",
          redraw: bool = False) -> bool:
    """Copy an attached container's stdio until its stream ends (docker run / start -a / attach):
    the local terminal in raw mode with resizes for a tty, signals forwarded with --sig-proxy.
    True when the user detached (the container runs on)."""
    api = cli.api
    restore = None
    if sig_proxy:
        from .api import APIClient

        host, version = cli.host, api.api_version
        restore = proxy_signals(lambda sig: APIClient(host, version).kill(cid, sig))
    try:
        if tty and sys.stdin.isatty():
            with RawTerminal(lambda h, w: api.resize(cid, h, w)) as term:
                term.send_size(redraw)
                return pump(stream, tty, stdin, detach_keys=detach_keys)
        return pump(stream, tty, stdin, detach_keys=detach_keys)
    finally:
        if restore:
            restore()

