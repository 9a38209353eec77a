"""Docker's json-file log: one JSON object per line of output (cf. moby daemon/logger/jsonfilelog and logger/copier.go).

    {"log":"hi\n","stream":"stdout","time":"2026-11-28T05:19:36.123456789Z"}

Output is split at newlines, one entry per line, each ending in "\n"; a line longer than the
buffer, or the last bytes before end of output, is written without one (Docker's "partial" lines).
"""

from __future__ import annotations

import json
import os
import threading
import time

MAX_LINE = 16 * 1024  # moby's copier buffer: longer lines are cut into partial entries


def rfc3339nano(ns: int) -> str:
    """Go's time.RFC3339Nano in UTC: nanoseconds with trailing zeros trimmed."""
    secs, frac = divmod(ns, 10**9)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    digits = f"{frac:09d}".rstrip("0")
    return f"{stamp}.{digits}Z" if digits else f"{stamp}Z"


class JsonLog:
    """An append-only json-file log shared by the stdout and stderr copiers of one container."""

    def __init__(self, path: str) -> None:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o640)
        self._lock = threading.Lock()

    def entry(self, stream: str, data: bytes) -> None:
        """Write one entry; a single write(2) per line so stdout and stderr lines never interleave."""
        record = {"log": data.decode("utf-8", "replace"), "stream": stream, "time": rfc3339nano(time.time_ns())}
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        with self._lock:
            if self._fd >= 0:
                os.write(self._fd, line)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


class LineSplitter:
    """Cuts a byte stream into log entries at newlines (one per stream)."""

    def __init__(self, log: JsonLog, stream: str) -> None:
        self.log = log
        self.stream = stream
        self._pending = b""

    def feed(self, data: bytes) -> None:
        buf = self._pending + data
        while buf:
            cut = buf.find(b"\n", 0, MAX_LINE)
            if cut >= 0:
                self.log.entry(self.stream, buf[: cut + 1])
                buf = buf[cut + 1 :]
            elif len(buf) >= MAX_LINE:
                self.log.entry(self.stream, buf[:MAX_LINE])
                buf = buf[MAX_LINE:]
            else:
                break
        self._pending = buf

    def drop(self) -> None:
        """Forget a pending partial line (its start could not be written)."""
        self._pending = b""

    def flush(self) -> None:
        """End of output: whatever is left becomes a last entry, without a newline."""
        if self._pending:
            self.log.entry(self.stream, self._pending)
            self._pending = b""
