"""The shim's stdio plumbing without a container: FIFOs that never block on a missing reader, stdin EOF."""

from __future__ import annotations

import json
import os
import threading

from minidocker.shim import stdio
from minidocker.shim.jsonlog import JsonLog, LineSplitter


def test_output_fifo_without_reader_neither_blocks_nor_breaks(tmp_path, monkeypatch):
    monkeypatch.setattr(stdio, "STALL_SECONDS", 0.05)
    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    w = stdio.FifoWriter(str(fifo))  # no reader anywhere: O_RDWR open must not wait
    for _ in range(40):  # 40 x 4 KiB overflows the 64 KiB pipe: the rest is dropped, no EAGAIN escapes
        w.write(b"y" * 4096)
    assert w.stalled
    w.close()


def test_copy_output_feeds_fifo_and_log(tmp_path):
    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    log = JsonLog(str(tmp_path / "log.json"))
    r, w = os.pipe()
    t = threading.Thread(target=stdio.copy_output, args=(r, stdio.FifoWriter(str(fifo)), LineSplitter(log, "stdout")))
    t.start()
    os.write(w, b"one\ntwo\n")
    os.close(w)
    t.join(5)
    assert os.read(reader, 100) == b"one\ntwo\n"
    assert os.read(reader, 100) == b""  # end of file: the shim's end is closed
    lines = [json.loads(x)["log"] for x in (tmp_path / "log.json").read_text().splitlines()]
    assert lines == ["one\n", "two\n"]


def test_stdin_half_close_closes_the_process_stdin(tmp_path):
    fifo = tmp_path / "in"
    os.mkfifo(fifo)
    pio = stdio.ProcessIO({"stdin": str(fifo)})
    pio.prepare()
    child_stdin = pio.child_fds[0]
    keep = os.dup(child_stdin)  # stands in for the container's end
    pio.after_create()
    writer = os.open(fifo, os.O_WRONLY)
    os.write(writer, b"data\n")
    os.close(writer)  # the client half-closes
    got = b""
    while chunk := os.read(keep, 100):  # returns b"" only once the shim closed its write end
        got += chunk
    assert got == b"data\n"
    os.close(keep)
    pio.close()


def test_a_missing_fifo_fails_prepare_and_leaks_nothing(tmp_path):
    import pytest

    before = len(os.listdir("/proc/self/fd"))
    pio = stdio.ProcessIO({"stdout": str(tmp_path / "out"), "stderr": str(tmp_path / "missing")})
    os.mkfifo(tmp_path / "out")
    with pytest.raises(FileNotFoundError):
        pio.prepare()
    pio.close()
    assert len(os.listdir("/proc/self/fd")) == before


def test_prepare_then_close_without_a_process_leaks_nothing(tmp_path):
    before = len(os.listdir("/proc/self/fd"))
    for io in ({}, {"stdin": str(tmp_path / "in")}, {"terminal": True}):
        pio = stdio.ProcessIO(io)
        pio.prepare()
        pio.close()
    assert len(os.listdir("/proc/self/fd")) == before


def test_a_failing_log_never_stops_the_copy(tmp_path):
    class Full:
        def feed(self, data):
            raise OSError(28, "No space left on device")

        def flush(self):
            raise OSError(28, "No space left on device")

        def drop(self):
            pass

    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    r, w = os.pipe()
    t = threading.Thread(target=stdio.copy_output, args=(r, stdio.FifoWriter(str(fifo)), Full()))
    t.start()
    os.write(w, b"still flowing\n")
    os.close(w)
    t.join(5)
    assert not t.is_alive()
    assert os.read(reader, 100) == b"still flowing\n"


def test_logging_resumes_once_the_disk_has_room_again(capfd):
    """ENOSPC drops that output (reported once); the next output that can be written is logged."""
    class Flaky:
        def __init__(self):
            self.calls, self.logged, self.first = 0, [], threading.Event()

        def feed(self, data):
            self.calls += 1
            if self.calls == 1:
                self.first.set()
                raise OSError(28, "No space left on device")
            self.logged.append(data)

        def flush(self):
            pass

        def drop(self):
            pass

    log = Flaky()
    r, w = os.pipe()
    t = threading.Thread(target=stdio.copy_output, args=(r, None, log))
    t.start()
    os.write(w, b"lost\n")
    assert log.first.wait(5)
    os.write(w, b"kept\n")
    os.close(w)
    t.join(5)
    assert not t.is_alive()
    assert log.logged == [b"kept\n"]
    err = capfd.readouterr().err
    assert err.count("No space left on device") == 1 and "writing again" in err
