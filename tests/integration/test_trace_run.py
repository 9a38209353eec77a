"""A traced `minidocker run` (MINIDOCKER_TRACE): every process of the chain writes its spans on one clock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from engine_fixture import Engine

from minidocker import trace
from minidocker.observe import timeline


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    root = Path(tmp_path_factory.mktemp("traced")) / "mdroot"
    root.mkdir()
    directory = root / "trace"
    directory.mkdir()
    os.environ[trace.ENV] = str(directory)  # the daemons inherit it; their shims and runtimes from them
    try:
        eng = Engine(root)
    finally:
        del os.environ[trace.ENV]
    try:
        eng.start()
        yield eng, directory
    finally:
        eng.teardown()


def test_a_run_leaves_spans_of_every_process_inside_the_clients(traced):
    eng, directory = traced
    env = dict(eng.env, **{trace.ENV: str(directory)})
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "minidocker.client.cli", "run", "--rm", "--network", "none",
                           "busybox", "true"], env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    spans = timeline.of_run(timeline.read(directory))
    roles = {s.role for s in spans}
    assert roles >= {"client", "dockerd", "containerd", "shim", "runtime", "container"}, roles
    run = [s for s in spans if s.name == "minidocker run"][0]
    names = {(s.role, s.name) for s in spans}
    for expected in [("client", "create"), ("client", "start"), ("dockerd", "start: task create"),
                     ("containerd", "Tasks/Create"), ("shim", "create"), ("shim", "runtime create"),
                     ("runtime", "create: fork the init"), ("container", "released (exec)"),
                     ("container", "exited (reaped by the shim)")]:
        assert expected in names, expected
    # One runtime process per command (create, start, delete), each gone before the next
    runtimes = sorted({s.pid for s in spans if s.role == "runtime"})
    assert len(runtimes) >= 3
    # ... each forked from the warm shim (shim/warm.py), not a new interpreter
    firsts = {pid: min((s for s in spans if s.pid == pid), key=lambda s: s.start).name for pid in runtimes}
    assert set(firsts.values()) == {"forked from the shim"}, firsts
    # The same clock: the chain's steps nest in time as the calls do
    by = {(s.role, s.name): s for s in spans}
    assert run.start <= by["client", "start"].start <= by["dockerd", "start: task start"].start
    assert by["containerd", "Tasks/Create"].start <= by["shim", "runtime create"].start
    assert by["shim", "runtime create"].end <= by["containerd", "Tasks/Create"].end
    released, exited = by["container", "released (exec)"], by["container", "exited (reaped by the shim)"]
    # (`true` may exit and be reaped before `start` has written its own line: the order of these two is free)
    assert by["shim", "runtime create"].end <= min(released.start, exited.start)
    assert max(released.start, exited.start) <= run.end
    fig = timeline.plot(spans)
    assert len(fig.axes[0].get_yticks()) == len(timeline.rows(spans))
