"""Docker's json-file log as the shim writes it: one entry per line, partial lines, RFC3339Nano times."""

from __future__ import annotations

import json
import re

from minidocker.shim.jsonlog import MAX_LINE, JsonLog, LineSplitter, rfc3339nano


def entries(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_rfc3339nano_trims_trailing_zeros_like_go():
    assert rfc3339nano(1_700_000_000_123_400_000) == "2023-11-14T22:13:20.1234Z"
    assert rfc3339nano(1_700_000_000_000_000_000) == "2023-11-14T22:13:20Z"
    assert rfc3339nano(1_700_000_000_000_000_001) == "2023-11-14T22:13:20.000000001Z"


def test_lines_split_across_chunks_and_streams(tmp_path):
    log = JsonLog(str(tmp_path / "c-json.log"))
    out, err = LineSplitter(log, "stdout"), LineSplitter(log, "stderr")
    out.feed(b"hel")
    err.feed(b"oops\n")
    out.feed(b"lo\nwor")
    out.feed(b"ld\nlast")
    out.flush()
    err.flush()
    log.close()
    got = entries(tmp_path / "c-json.log")
    assert [(e["stream"], e["log"]) for e in got] == [
        ("stderr", "oops\n"), ("stdout", "hello\n"), ("stdout", "world\n"), ("stdout", "last")]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z", e["time"]) for e in got)
    assert list(got[0]) == ["log", "stream", "time"]


def test_long_line_is_cut_into_partial_entries(tmp_path):
    log = JsonLog(str(tmp_path / "l.log"))
    s = LineSplitter(log, "stdout")
    s.feed(b"x" * (MAX_LINE + 10) + b"\n")
    s.flush()
    got = entries(tmp_path / "l.log")
    assert [len(e["log"]) for e in got] == [MAX_LINE, 11]
    assert got[-1]["log"].endswith("\n")


def test_invalid_utf8_is_replaced_not_fatal(tmp_path):
    log = JsonLog(str(tmp_path / "u.log"))
    LineSplitter(log, "stdout").feed(b"\xff\xfe ok\n")
    assert entries(tmp_path / "u.log")[0]["log"].endswith(" ok\n")
