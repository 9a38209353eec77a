"""Reading the json-file log the shim writes: tail, since/until, timestamps, follow (cf. moby daemon/logger/jsonfilelog/read.go).

Each line of <state>/containers/<id>/<id>-json.log is {"log": "...", "stream": "stdout"|"stderr",
"time": RFC3339Nano}. The reader yields (stream, payload, time) records; `follow` keeps reading as the
file grows until the container stops (then drains once more) or the client goes away.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from .state import parse_rfc3339

FOLLOW_POLL = 0.03
_BLOCK = 64 * 1024
MAX_RECORD = 1 << 20  # a json-file entry holds at most 16 KiB of output (see shim/jsonlog.py), escaped


def _records(lines, want: set[str]) -> Iterator[tuple[str, str, str]]:
    for raw in lines:
        if not raw.endswith(b"\n"):
            continue
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        stream = entry.get("stream", "stdout")
        if stream in want:
            yield stream, entry.get("log", ""), entry.get("time", "")


def parse_tail(value: str | None) -> int | None:
    """`tail=all` (or absent, or negative) means everything; a number N the last N lines."""
    if value in (None, "", "all"):
        return None
    try:
        n = int(value)
    except ValueError:
        return None
    return None if n < 0 else n


def parse_since(value: str | None) -> float:
    """since/until: Unix seconds with an optional fraction (what the CLI sends after parsing durations)."""
    if not value:
        return 0.0
    try:
        return float(value)
    except ValueError:
        from ...errors import InvalidArgument

        raise InvalidArgument(f"invalid value for since/until: {value!r}") from None


def read(path: Path, want: set[str], tail: int | None, since: float, until: float, follow: bool,
         stopped: Callable[[], bool], gone: Callable[[], bool]) -> Iterator[tuple[str, str, str]]:
    """(stream, text, time) records of the log, filtered, then followed while `stopped()` is false.

    Memory stays bounded whatever the log's size: lines are read one at a time, and `tail` reads
    backwards from the end, holding only the last `tail` records (cf. moby pkg/tailfile)."""

    def keep(rec: tuple[str, str, str]) -> bool:
        if not since and not until:
            return True
        t = parse_rfc3339(rec[2])
        return (not since or t >= since) and (not until or t <= until)

    try:
        f = open(path, "rb")
    except FileNotFoundError:
        if not follow:
            return
        while not path.exists():
            if stopped() or gone():
                return
            time.sleep(FOLLOW_POLL)
        f = open(path, "rb")
    with f:
        end = _complete_end(f)  # a partial last line (the shim is mid-write) is left to follow
        if tail is not None:
            found: list[tuple[str, str, str]] = []
            for rec in _records(_lines_backwards(f, end), want) if tail else ():
                if keep(rec):
                    found.append(rec)
                    if len(found) == tail:
                        break
            yield from reversed(found)
        else:
            f.seek(0)
            yield from (r for r in _records(_lines_forward(f, end), want) if keep(r))
        if not follow or (until and until < time.time()):
            return
        f.seek(end)
        pending = b""
        while True:
            was_stopped = stopped()
            chunk = f.read(_BLOCK)
            if chunk:
                parts = (pending + chunk).split(b"\n")
                pending = parts.pop()
                if len(pending) > MAX_RECORD:
                    pending = b""  # no json-file entry is that long: a damaged file, skip it
                for rec in _records((p + b"\n" for p in parts), want):
                    if keep(rec):
                        yield rec
                continue
            if was_stopped or gone() or (until and until < time.time()):
                return
            time.sleep(FOLLOW_POLL)


def _complete_end(f: BinaryIO) -> int:
    """The offset just past the file's last newline (0 when it has none)."""
    pos = f.seek(0, 2)
    while pos > 0:
        n = min(_BLOCK, pos)
        f.seek(pos - n)
        cut = f.read(n).rfind(b"\n")
        if cut >= 0:
            return pos - n + cut + 1
        pos -= n
    return 0


def _lines_forward(f: BinaryIO, end: int) -> Iterator[bytes]:
    """Lines of f up to end, one at a time; an overlong line (a damaged file) is skipped, never held whole."""
    pos = f.tell()
    while pos < end:
        line = f.readline(min(MAX_RECORD, end - pos))
        pos += len(line)
        if line.endswith(b"\n"):
            yield line
            continue
        while line and not line.endswith(b"\n") and pos < end:  # skip the rest of the overlong line
            line = f.readline(min(MAX_RECORD, end - pos))
            pos += len(line)


def _lines_backwards(f: BinaryIO, end: int) -> Iterator[bytes]:
    """Complete lines of f[:end] (which ends with a newline) from the last to the first."""
    pos, carry = end, b""
    while pos > 0:
        n = min(_BLOCK, pos)
        pos -= n
        f.seek(pos)
        parts = (f.read(n) + carry).split(b"\n")
        carry = parts[0]
        if len(carry) > MAX_RECORD:
            carry = b""  # skipped, as forward reading does
        for line in reversed(parts[1:]):
            if line:
                yield line + b"\n"
    if carry:
        yield carry + b"\n"
