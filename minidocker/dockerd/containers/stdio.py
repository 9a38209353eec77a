"""A task's stdio as dockerd holds it: FIFOs, a reader per output stream, and fan-out to attached clients (cf. containerd cio/io_unix.go, moby container/stream).

dockerd makes the FIFOs (paths.run_dir()/containerd/fifo/<id>/<exec>-stdin|stdout|stderr), the shim
opens the other ends. dockerd reads stdout/stderr through read-only, non-blocking ends, so that
its reads see end of file exactly when the shim has closed its copy (all output delivered), and
the FIFOs are drained all the time so the shim never blocks on a full pipe. Until the task has
started (the shim holds the write ends from its create on), an end of file means nothing yet and
the FIFOs are not watched. The stdin FIFO is opened write-only once the shim reads it (started()).
"""

from __future__ import annotations

import errno
import os
import queue
import select
import stat
import logging
import threading
from pathlib import Path

from ... import paths
from ...linux.removeall import remove_all_quietly

_END = None
log = logging.getLogger("minidockerd.stdio")


def fifo_dir(container_id: str) -> Path:
    return paths.run_dir() / "containerd" / "fifo" / container_id


def _mkfifo(path: Path) -> None:
    try:
        os.mkfifo(path, 0o600)
    except FileExistsError:
        if not stat.S_ISFIFO(os.stat(path).st_mode):
            raise


class Hub:
    """Fan-out of one container's output to its attached clients, across task lifetimes.

    `docker run` attaches before it starts: a subscriber made before the task exists receives the
    next run's output and its end; stdin written before the task exists waits for it.
    """

    def __init__(self) -> None:
        self._subs: list[queue.SimpleQueue] = []
        self._cond = threading.Condition()
        self.task: "TaskIO | None" = None
        self.ended = 0  # how many runs have ended, so a late stdin writer can tell its run is over

    def subscribe(self) -> queue.SimpleQueue:
        """A queue of (stream, bytes) items ending with None when the current or next run's output ends."""
        q: queue.SimpleQueue = queue.SimpleQueue()
        with self._cond:
            self._subs.append(q)
        return q

    def unsubscribe(self, q: queue.SimpleQueue) -> None:
        with self._cond:
            if q in self._subs:
                self._subs.remove(q)

    def publish(self, number: int, data: bytes) -> None:
        with self._cond:
            for q in self._subs:
                q.put((number, data))

    def end(self) -> None:
        with self._cond:
            for q in self._subs:
                q.put(_END)
            self._subs.clear()
            self.task = None
            self.ended += 1
            self._cond.notify_all()

    def set_task(self, task: "TaskIO") -> None:
        with self._cond:
            self.task = task
            self._cond.notify_all()

    def wait_task(self, run: int, timeout: float | None = None) -> "TaskIO | None":
        """The live TaskIO of run number `run` (self.ended at subscription), None once that run has ended."""
        with self._cond:
            self._cond.wait_for(lambda: self.task is not None or self.ended > run, timeout)
            return self.task if self.ended == run else None


class TaskIO:
    """The FIFOs of one process (a container's init or an exec) and the threads that serve them."""

    def __init__(self, container_id: str, process: str, stdin: bool, tty: bool, hub: Hub | None = None) -> None:
        self.dir = fifo_dir(container_id)
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.process = process
        self.tty = tty
        self.stdin_path = self.dir / f"{process}-stdin" if stdin else None
        self.stdout_path = self.dir / f"{process}-stdout"
        self.stderr_path = None if tty else self.dir / f"{process}-stderr"
        self._fds: dict[int, int] = {}  # stream number -> fd
        self._stdin_fd: int | None = None
        self.hub = hub or Hub()
        self._done = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        self._thread: threading.Thread | None = None
        self.copied = 0

    def open(self) -> "TaskIO":
        """Make the FIFOs and open dockerd's ends; call before the task is created."""
        for number, path in ((1, self.stdout_path), (2, self.stderr_path)):
            if path is not None:
                _mkfifo(path)
                self._fds[number] = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        if self.stdin_path is not None:
            _mkfifo(self.stdin_path)  # opened for writing in started(), once the shim reads it
        self._thread = threading.Thread(target=self._pump, name=f"io-{self.process[:12]}", daemon=True)
        self._thread.start()
        return self

    def started(self, wait: float = 10.0) -> None:
        """The process runs: open stdin for writing, then let stdin writers go (cf. Hub.wait_task).

        Opened write-only (never read-write) so that dockerd is not a reader itself: the open succeeds
        only once the shim has the read end, and bytes written from then on cannot be lost; closing
        it is the end of file the shim passes on to the process (a client's half-close).
        """
        if self.stdin_path is not None and self._stdin_fd is None:
            self._stdin_fd = self._open_stdin(wait)
        if self._wake_w >= 0:
            os.write(self._wake_w, b"s")  # the shim holds the write ends: an end of file now means "done"
        self.hub.set_task(self)

    def _open_stdin(self, wait: float) -> int | None:
        import fcntl
        import time

        deadline = time.monotonic() + wait
        while True:
            try:
                fd = os.open(self.stdin_path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            except OSError as err:
                if err.errno != errno.ENXIO or time.monotonic() >= deadline:
                    return None  # nobody will read: stdin writes are dropped
                time.sleep(0.002)
                continue
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
            return fd

    def io_spec(self) -> dict[str, object]:
        """The IO message for Tasks.Create / Tasks.Exec."""
        return {"stdin": str(self.stdin_path or ""), "stdout": str(self.stdout_path),
                "stderr": str(self.stderr_path or ""), "terminal": self.tty}

    def subscribe(self) -> queue.SimpleQueue:
        return self.hub.subscribe()

    def _publish(self, number: int, data: bytes) -> None:
        self.hub.publish(number, data)

    def _read_ready(self, fds: list[int]) -> bool:
        """Read what is there; a stream whose writers are all gone (end of file) is closed and dropped."""
        got = False
        for number, fd in list(self._fds.items()):
            if fd not in fds:
                continue
            while True:
                try:
                    data = os.read(fd, 65536)
                except BlockingIOError:
                    break
                except OSError:
                    data = b""
                if not data:
                    os.close(fd)
                    del self._fds[number]
                    break
                got = True
                self.copied += len(data)
                self._publish(number, data)
        return got

    def _pump(self) -> None:
        try:
            live = False
            while self._fds:
                watch = ([*self._fds.values()] if live else []) + [self._wake_r]
                ready, _, _ = select.select(watch, [], [])
                if self._wake_r in ready:
                    word = os.read(self._wake_r, 64)
                    if b"f" in word:
                        break  # forced: the shim is gone or never came
                    live = True
                self._read_ready(ready)
            # Whatever is buffered still belongs to this run.
            while self._fds and self._read_ready(list(self._fds.values())):
                pass
            log.debug("%s: output ended (%d bytes, %s)", self.process[:12], self.copied,
                      "forced" if self._fds else "end of file")
        except OSError as err:  # EIO, EBADF...: reported; attached clients still see the end
            log.error("%s: reading the output failed: %s", self.process[:12], err)
        finally:
            self._done.set()
            self.hub.end()

    def finish(self, grace: float = 5.0) -> None:
        """The process exited: let the output reach its end of file (the shim closes its copies once
        everything is written), forcing the end after `grace` seconds; then close dockerd's ends."""
        if self._thread is not None:
            self._thread.join(timeout=grace)
            if self._thread.is_alive() and self._wake_w >= 0:
                os.write(self._wake_w, b"f")
                self._thread.join(timeout=5)
        self.close()

    # ---- stdin ----
    def write_stdin(self, data: bytes) -> None:
        fd = self._stdin_fd
        if fd is not None:
            view = memoryview(data)
            while view:  # blocking on purpose: back-pressure to the client
                view = view[os.write(fd, view):]

    def close_stdin(self) -> None:
        fd, self._stdin_fd = self._stdin_fd, None
        if fd is not None:
            os.close(fd)

    def close(self) -> None:
        """Close every fd once (a number closed twice could by then name someone else's file)."""
        self.close_stdin()
        fds = list(self._fds.values()) + [fd for fd in (self._wake_r, self._wake_w) if fd >= 0]
        self._fds.clear()
        self._wake_r = self._wake_w = -1
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass

    def remove_files(self) -> None:
        for path in (self.stdin_path, self.stdout_path, self.stderr_path):
            if path is not None:
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass


def remove_fifo_dir(container_id: str) -> None:
    remove_all_quietly(fifo_dir(container_id))


def abort(io: "TaskIO") -> None:
    """The task never started: stop the pump, close everything, end any attached client's stream."""
    if io._thread is not None and io._wake_w >= 0:
        os.write(io._wake_w, b"f")
        io.finish(grace=5.0)  # the pump ends the hub's run as it exits
    else:
        io.close()
        io.hub.end()
    io.remove_files()
