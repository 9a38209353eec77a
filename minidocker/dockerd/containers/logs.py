"""Reading the json-file log the shim writes: tail, since/until, timestamps, follow (cf. moby daemon/logger/jsonfilelog/read.go).

Each line of <state>/containers/<id>/<id>-json.log is {"log": "...", "stream": "stdout"|"stderr",
"time": RFC3339Nano}. The reader yields (stream, payload, time) records; `follow` keeps reading as the
file grows until the container stops (then drains once more) or the client goes away.
"""

from __future__ import annotations

import json
import time
from collections import deque
from pathlib import Path
from typing import Callable, Iterator

from .state import parse_rfc3339

FOLLOW_POLL = 0.03


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
    """(stream, text, time) records of the log, filtered, then followed while `stopped()` is false."""

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
        lines = f.readlines()
        pending = b""
        if lines and not lines[-1].endswith(b"\n"):
            pending = lines.pop()
        records = [r for r in _records(lines, want) if keep(r)]
        if tail is not None:
            records = list(deque(records, maxlen=tail)) if tail else []
        yield from records
        if not follow or (until and until < time.time()):
            return
        while True:
            was_stopped = stopped()
            chunk = f.read()
            if chunk:
                data = pending + chunk
                parts = data.split(b"\n")
                pending = parts.pop()
                for rec in _records((p + b"\n" for p in parts), want):
                    if keep(rec):
                        yield rec
                continue
            if was_stopped or gone() or (until and until < time.time()):
                return
            time.sleep(FOLLOW_POLL)
