"""A terminal inside a notebook cell: run a command on a pseudo-terminal, type lines into it, keep the screen (cf. what a terminal emulator does for `docker run -it`).

A notebook has no terminal of its own, so `run -it` cannot take over the kernel's stdin. This module
plays the user's terminal instead: it opens a pty pair (the kernel's pty, see pty(7)), starts the
command with the pty as its stdin, stdout and stderr, waits for the prompt before typing each line,
and returns what appeared on the screen, escape sequences removed.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time
from dataclasses import dataclass

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r")


@dataclass
class Session:
    """What a terminal showed (screen) and the command's exit code."""

    screen: str
    code: int

    def __str__(self) -> str:
        return self.screen


def _read(fd: int, until: re.Pattern[str] | None, timeout: float, seen: list[str]) -> bool:
    """Read the pty into seen until its text (since the last typing) matches `until`, or EOF; False on EOF."""
    start, deadline = len(seen), time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"the terminal did not show {until.pattern if until else 'the end'!r} within {timeout:.0f}s;"
                               f" it shows: {''.join(seen)[-200:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the other side of the pty is closed (the command ended)
            return False
        if not chunk:
            return False
        seen.append(chunk.decode(errors="replace"))
        if until is not None and until.search(ESCAPES.sub("", "".join(seen[start:]))):
            return True


def session(argv: list[str], lines: list[str], prompt: str = r"[#$] $", env: dict[str, str] | None = None,
            size: tuple[int, int] = (24, 80), timeout: float = 30.0) -> Session:
    """Run argv on a new pty of `size` (rows, columns); at each `prompt` (a regex), type the next of `lines`.

    After the last line the command is expected to end (type `exit`); the screen is returned as text.
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen: list[str] = []
    try:
        waiting = re.compile(prompt)
        for line in lines:
            if not _read(master, waiting, timeout, seen):
                break
            os.write(master, (line + "\n").encode())
        _read(master, None, timeout, seen)
        code = proc.wait(timeout=timeout)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return Session(ESCAPES.sub("", "".join(seen)).strip("\n") + "\n", code)

