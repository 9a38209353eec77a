"""minidocker/trace.py and observe/timeline.py: spans written only when asked, read back and ordered."""

from __future__ import annotations

import json
import os
import time

from minidocker import trace
from minidocker.observe import timeline


def test_off_writes_nothing_and_allocates_no_span(tmp_path, monkeypatch):
    monkeypatch.delenv(trace.ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    first, second = trace.span("a"), trace.span("b")
    assert first is second  # one shared do-nothing object
    with first:
        pass
    trace.emit("x", 1, 2)
    trace.Phases().mark("y")
    assert list(tmp_path.iterdir()) == []


def test_on_appends_monotonic_spans_per_process(tmp_path, monkeypatch):
    monkeypatch.setenv(trace.ENV, str(tmp_path))
    trace.set_role("tester")
    before = time.monotonic_ns()
    with trace.span("outer"):
        phases = trace.Phases("p: ")
        phases.mark("one")
        phases.mark("two")
    after = time.monotonic_ns()
    files = list(tmp_path.iterdir())
    assert [f.name for f in files] == [f"tester-{os.getpid()}.jsonl"]
    lines = [json.loads(line) for line in files[0].read_text().splitlines()]
    assert [d["name"] for d in lines] == ["p: one", "p: two", "outer"]
    assert all(before <= d["start"] <= d["end"] <= after and d["pid"] == os.getpid() for d in lines)
    assert lines[0]["end"] == lines[1]["start"]  # consecutive phases share their boundary


def test_process_start_is_before_now_on_the_monotonic_clock():
    start = trace.process_start_ns()
    now = time.monotonic_ns()
    assert 0 < now - start < 24 * 3600 * 10**9  # this process began earlier today, not in the future


def _write(directory, role, pid, *spans):
    with open(directory / f"{role}-{pid}.jsonl", "a") as f:
        for name, start, end in spans:
            f.write(json.dumps({"role": role, "pid": pid, "name": name, "start": start, "end": end}) + "\n")


def test_timeline_keeps_the_last_run_and_orders_rows_by_the_chain(tmp_path):
    _write(tmp_path, "dockerd", 10, ("GET /_ping", 5, 6), ("POST /containers/x/start", 120, 180))
    _write(tmp_path, "client", 30, ("minidocker run", 10, 50))                       # an earlier run
    _write(tmp_path, "client", 40, ("interpreter start-up", 90, 100), ("minidocker run", 100, 200))
    _write(tmp_path, "runtime", 50, ("create", 130, 150))
    _write(tmp_path, "shim", 45, ("create", 125, 160))
    (tmp_path / "client-41.jsonl").write_text('{"role": "client", "pid": 41, "name"')  # cut by a crash
    spans = timeline.of_run(timeline.read(tmp_path))
    assert [s.name for s in spans] == ["interpreter start-up", "minidocker run", "POST /containers/x/start",
                                       "create", "create"]
    assert timeline.rows(spans) == [("client", 40), ("dockerd", 10), ("shim", 45), ("runtime", 50)]
    assert spans[2].ms == 60e-6


def test_timeline_without_a_run_says_so(tmp_path):
    _write(tmp_path, "dockerd", 10, ("GET /_ping", 5, 6))
    try:
        timeline.of_run(timeline.read(tmp_path))
    except LookupError as err:
        assert "minidocker run" in str(err)
    else:
        raise AssertionError("no run span, yet a timeline")
