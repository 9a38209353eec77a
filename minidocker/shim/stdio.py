"""A process's stdio as the shim holds it: pipes or a pty on one side, dockerd's FIFOs and the log on the other
(cf. containerd pkg/process/io.go and pkg/stdio).

Output FIFOs are opened O_RDWR|O_NONBLOCK: opening never waits for a reader, and because the shim
itself holds a read end, a reader going away (dockerd restarting) never raises SIGPIPE/EPIPE that
would kill the copy. A FIFO nobody drains fills its 64 KiB buffer; the shim then waits a little for a
slow reader and, if none comes, drops what the FIFO cannot take (the json log keeps everything).
The stdin FIFO is opened for reading in its own thread (that open waits for dockerd's writer); its
end of file (the client half-closing) closes the container's stdin.
"""

from __future__ import annotations

import os
import select
import sys
import threading

from .jsonlog import JsonLog, LineSplitter

CHUNK = 32 * 1024
STALL_SECONDS = 2.0  # how long a full FIFO may block the copy before its reader is presumed gone


class FifoWriter:
    """An output FIFO that never blocks its writer for long and never breaks on a missing reader."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        self.stalled = False

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.fd, view):]
                self.stalled = False
            except BlockingIOError:
                wait = 0 if self.stalled else STALL_SECONDS
                if not select.select([], [self.fd], [], wait)[1]:
                    self.stalled = True  # nobody reads: drop, and stop waiting until someone does
                    return

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def copy_output(src: int, fifo: FifoWriter | None, splitter: LineSplitter | None) -> None:
    """Copy a process's output until end of file to its FIFO (if any) and the log (if any).

    A log write that fails (ENOSPC, EIO) drops that output and is reported once; the copy goes on, and
    logging resumes by itself once the disk has room again (as moby's log copier drops and goes on):
    stopping would fill the pipe and block the container."""
    failing = False
    try:
        while True:
            try:
                data = os.read(src, CHUNK)
            except OSError:  # EIO: a pty whose last slave closed
                data = b""
            if not data:
                break
            if splitter is not None:
                try:
                    splitter.feed(data)
                    if failing:
                        print("minidocker-shim: json log: writing again", file=sys.stderr, flush=True)
                        failing = False
                except OSError as err:
                    splitter.drop()
                    if not failing:
                        print(f"minidocker-shim: json log: {err}; output dropped until it can be written",
                              file=sys.stderr, flush=True)
                        failing = True
            if fifo is not None:
                fifo.write(data)
    finally:
        if splitter is not None:
            try:
                splitter.flush()
            except OSError:
                pass
        if fifo is not None:
            fifo.close()
        os.close(src)


def copy_input(fifo_path: str, dest: int, owner: "ProcessIO | None") -> None:
    """Copy the stdin FIFO into the process until the writer half-closes, then close the process's stdin.

    `owner` set: `dest` is the stdin pipe the owner may also close (CloseIO), so writes happen under its
    lock, never after the close (the fd number could already name another file). Unset: `dest` is ours.
    """
    try:
        src = os.open(fifo_path, os.O_RDONLY | os.O_CLOEXEC)  # waits for dockerd to open the write end
    except OSError:
        src = -1
    try:
        while src >= 0:
            data = os.read(src, CHUNK)
            if not data:
                break
            if owner is None:
                _write_all(dest, data)
                continue
            with owner.stdin_lock:
                if owner.stdin_w < 0:
                    break
                _write_all(dest, data)
    except OSError:
        pass  # the process is gone (EPIPE)
    finally:
        if src >= 0:
            os.close(src)
        if owner is None:
            os.close(dest)
        else:
            owner.close_stdin()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def start_thread(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


class ProcessIO:
    """The shim's side of one process's stdio: what to hand the runtime, and the copy threads."""

    def __init__(self, io: dict, log: JsonLog | None = None) -> None:
        self.io = io
        self.terminal = bool(io.get("terminal"))
        self.log = log
        self.child_fds: list[int] = []   # fds 0, 1, 2 for the runtime command that creates the process
        self.console_fd = -1              # the pty master, for a terminal
        self.stdin_w = -1
        self.stdin_lock = threading.Lock()
        self.outputs: list[threading.Thread] = []
        self._readers: list[tuple[int, str]] = []  # our ends of the output pipes, until the copiers own them
        self.fifos: dict[str, FifoWriter] = {}

    def prepare(self) -> None:
        """Pipes for a non-terminal process; for a terminal the runtime gets /dev/null and a console socket."""
        for stream in ("stdout",) if self.terminal else ("stdout", "stderr"):
            if self.io.get(stream):  # opened now, so that a bad path fails the create, not a thread later
                self.fifos[stream] = FifoWriter(self.io[stream])
        if self.terminal:
            null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
            self.child_fds = [null, null, null]
            return
        if self.io.get("stdin"):
            stdin_r, self.stdin_w = os.pipe()
        else:
            stdin_r = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self.child_fds = [stdin_r, out_w, err_w]
        self._readers = [(out_r, "stdout"), (err_r, "stderr")]

    def after_create(self, console_fd: int = -1) -> None:
        """The process exists: drop our copies of its ends and start copying."""
        for fd in set(self.child_fds):
            os.close(fd)
        self.child_fds = []
        if self.terminal:
            self.console_fd = console_fd
            splitter = LineSplitter(self.log, "stdout") if self.log else None
            self.outputs.append(start_thread(copy_output, os.dup(console_fd), self.fifos.pop("stdout", None), splitter))
            if self.io.get("stdin"):
                start_thread(copy_input, self.io["stdin"], os.dup(console_fd), None)
            return
        readers, self._readers = self._readers, []
        for fd, stream in readers:
            splitter = LineSplitter(self.log, stream) if self.log else None
            self.outputs.append(start_thread(copy_output, fd, self.fifos.pop(stream, None), splitter))
        if self.stdin_w >= 0:
            start_thread(copy_input, self.io["stdin"], self.stdin_w, self)

    def close_stdin(self) -> None:
        """CloseIO: the container sees end of file on stdin."""
        with self.stdin_lock:
            if self.stdin_w >= 0:
                os.close(self.stdin_w)
                self.stdin_w = -1

    def drain(self, timeout: float = 2.0) -> None:
        """Let the copies reach end of file (the process has exited) so the log is complete."""
        for thread in self.outputs:
            thread.join(timeout)

    def close(self) -> None:
        for fifo in self.fifos.values():  # never handed to a copier (the create failed)
            fifo.close()
        self.fifos.clear()
        for fd, _stream in self._readers:
            os.close(fd)
        self._readers = []
        for fd in set(self.child_fds):
            os.close(fd)
        self.child_fds = []
        self.close_stdin()
        if self.console_fd >= 0:
            os.close(self.console_fd)
            self.console_fd = -1
