"""The chapter helpers' pure parts, without an engine: naming open files, labelling a snapshot, the gated
runtime's files (observe.shim_view, observe.run_steps)."""

from __future__ import annotations

import os

from minidocker.observe import run_steps, shim_view
from minidocker.observe.procs import Proc
from minidocker.observe.tree import Snapshot


def test_kind_names_what_an_fd_points_at():
    assert shim_view.kind("pipe:[123]") == "pipe"
    assert shim_view.kind("socket:[9]") == "socket"
    assert shim_view.kind("/r/lib/containers/abc/abc-json.log") == "json log"
    assert shim_view.kind("/r/run/containerd/fifo/abc/init-stdout") == "FIFO init-stdout"
    assert shim_view.kind("/dev/null") == "/dev/null"
    assert shim_view.kind("/etc/hosts") == "file"


def _p(pid, ppid, name, role, nspid=None):
    return Proc(pid=pid, ppid=ppid, name=name, cmdline=[name], nspid=nspid or [pid], role=role)


def test_label_tells_init_hook_and_gate_apart():
    snap = Snapshot({
        10: _p(10, 1, "minidocker-shim", "shim"),
        11: _p(11, 10, "minirunc", "runtime"),
        12: _p(12, 11, "minirunc:[INIT]", "runtime", [12, 1]),
        13: _p(13, 11, "sh", "container"),
        14: _p(14, 13, "sleep", "container"),
        20: _p(20, 1, "minidocker-shim", "shim"),
        21: _p(21, 20, run_steps.WRAPPER_NAME, "container"),
    })
    run_steps.label(snap)
    assert snap.procs[12].role == "container"          # new pid namespace: the container's init
    assert snap.procs[13].role == "hook"               # the host's pid namespace, below the runtime
    assert 14 not in snap.procs                        # the hook's own children are left out
    assert snap.procs[21].role == "gate"
    held = run_steps.around_shim(snap, 10, clients=False)
    assert set(held.procs) == {10, 11, 12, 13}


def test_gated_runtime_is_an_executable_wrapper_with_closed_gates(tmp_path):
    gate = run_steps.gated_runtime(tmp_path, hold_start=True)
    assert os.access(gate.runtime, os.X_OK)
    text = open(gate.runtime).read()
    assert gate.gate in text and gate.start_gate in text and run_steps.MINIRUNC in text
    assert not os.path.exists(gate.gate) and not os.path.exists(gate.start_gate)
    gate.open()
    gate.open_start()
    assert os.path.exists(gate.gate) and os.path.exists(gate.start_gate)
    gate.close()
    assert not os.path.exists(gate.gate) and not os.path.exists(gate.start_gate)
    assert run_steps.gated_runtime(tmp_path / "b").start_gate == ""
