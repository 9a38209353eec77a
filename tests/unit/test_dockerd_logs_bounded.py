"""`logs` and `logs --tail` read a json-file log in bounded memory (a 224 MB log took dockerd from 135 to 624 MB)."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from minidocker.dockerd.containers import logs

NEVER, STOPPED = (lambda: False), (lambda: True)
LINE_COUNT = 120_000  # ~13 MB of log


@pytest.fixture(scope="module")
def big_log(tmp_path_factory):
    path = tmp_path_factory.mktemp("logs") / "big-json.log"
    with open(path, "w") as f:
        for i in range(LINE_COUNT):
            stream = "stderr" if i % 10 == 0 else "stdout"
            f.write(json.dumps({"log": f"line {i:07d} " + "x" * 80 + "\n", "stream": stream,
                                "time": "2026-01-01T00:00:01Z"}) + "\n")
        f.write('{"log": "half a li')  # the shim is mid-write
    return path


def peak_while(fn) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_tail_reads_backwards_and_holds_only_the_tail(big_log):
    got, peak = peak_while(lambda: list(logs.read(big_log, {"stdout", "stderr"}, 3, 0, 0, False, STOPPED, NEVER)))
    assert [r[1][:12] for r in got] == [f"line {i:07d}" for i in range(LINE_COUNT - 3, LINE_COUNT)]
    assert peak < 1 << 20, f"peak {peak} bytes for a {big_log.stat().st_size}-byte log"


def test_tail_counts_only_the_streams_asked_for(big_log):
    got = list(logs.read(big_log, {"stderr"}, 2, 0, 0, False, STOPPED, NEVER))
    assert [r[1][:12] for r in got] == [f"line {i:07d}" for i in (LINE_COUNT - 20, LINE_COUNT - 10)]


def test_reading_everything_streams_line_by_line(big_log):
    def count():
        n = last = 0
        for rec in logs.read(big_log, {"stdout", "stderr"}, None, 0, 0, False, STOPPED, NEVER):
            n, last = n + 1, rec
        return n, last

    (n, last), peak = peak_while(count)
    assert n == LINE_COUNT and last[1].startswith(f"line {LINE_COUNT - 1:07d}")
    assert peak < 1 << 20, f"peak {peak} bytes for a {big_log.stat().st_size}-byte log"


def test_an_overlong_damaged_line_is_skipped_not_held(tmp_path):
    path = tmp_path / "bad-json.log"
    ok = json.dumps({"log": "ok\n", "stream": "stdout", "time": "2026-01-01T00:00:01Z"}) + "\n"
    path.write_text(ok + "z" * (3 * logs.MAX_RECORD) + "\n" + ok)
    assert [r[1] for r in logs.read(path, {"stdout"}, None, 0, 0, False, STOPPED, NEVER)] == ["ok\n", "ok\n"]
    assert [r[1] for r in logs.read(path, {"stdout"}, 5, 0, 0, False, STOPPED, NEVER)] == ["ok\n", "ok\n"]
