"""The parent <-> init handshake over a pair of pipes, one line per message (cf. runc libcontainer/sync.go).

init -> parent: "ready" (waiting on the exec fifo), "hooks" (run prestart/createRuntime now), "error <text>".
parent -> init: "joined" (in the cgroups), "go <state JSON>" (hooks done; the state for the init's own hooks).
"""

from __future__ import annotations

import os

from ..errors import MinidockerError, RuntimeFailure


class Channel:
    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd

    @classmethod
    def pair(cls) -> tuple["Channel", "Channel"]:
        """(parent's end, child's end); os.pipe fds are close-on-exec, so none leak into the container."""
        up_r, up_w = os.pipe()
        down_r, down_w = os.pipe()
        return cls(up_r, down_w), cls(down_r, up_w)

    def send(self, message: str) -> None:
        os.write(self.write_fd, message.replace("\n", " ").encode() + b"\n")

    def recv(self) -> str:
        """One line; "" when the other side closed without a word (it died)."""
        data = b""
        while not data.endswith(b"\n"):
            chunk = os.read(self.read_fd, 4096)
            if not chunk:
                break
            data += chunk
        return data.decode(errors="replace").strip()

    def expect(self, word: str) -> None:
        got = self.recv()
        if got != word:
            raise RuntimeFailure(f"init: expected {word!r} from the runtime, got {got!r}")

    def fail(self, error: BaseException) -> None:
        """Report a failure as one line: the kernel's words for OSError, our own for engine errors."""
        if isinstance(error, OSError) and error.strerror:
            text = error.strerror if error.filename is None or str(error.filename) in error.strerror else f"{error.strerror}: {error.filename}"
        elif isinstance(error, MinidockerError):
            text = str(error)
        else:
            text = f"{type(error).__name__}: {error}"
        try:
            self.send("error " + text)
        except OSError:
            pass

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass
