"""containerd keeps one shim started ahead of need (containerd/shims.py Spares, shim/main.py --spare):
a run takes it, it becomes that container's shim (outliving containerd as any shim), and a spare
never outlives the containerd that started it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from engine_fixture import engine  # noqa: F401

from minidocker.shim.main import SPARE_NAME


def _spares(root: Path) -> list[int]:
    """Pids of the spare shims started for this engine (their spare socket lies under its root)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            comm = Path(f"/proc/{entry}/comm").read_text().strip()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if comm == SPARE_NAME and any(arg.startswith(str(root).encode()) for arg in cmdline):
            found.append(int(entry))
    return found


def _until(predicate, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout:.0f}s")


def _shim_pid(engine, cid: str) -> int:
    ref = json.loads((engine.root / "run" / "containerd" / "tasks" / cid / "shim.json").read_text())
    return int(ref["pid"])


def test_a_run_takes_the_spare_which_becomes_its_shim_and_another_is_started(engine) -> None:  # noqa: F811
    spare = _until(lambda: _spares(engine.root), "a spare shim after containerd started")
    assert len(spare) == 1
    cid = engine.cli("run", "-d", "busybox", "sleep", "60").stdout.strip()
    try:
        shim = _shim_pid(engine, cid)
        assert shim == spare[0]  # the spare is this container's shim now
        assert Path(f"/proc/{shim}/comm").read_text().strip() == "minidocker-shim"
        assert os.getpriority(os.PRIO_PROCESS, shim) == 0  # started niced, back to normal once assigned
        assert engine.cli("exec", cid, "echo", "hi").stdout == "hi\n"
        nxt = _until(lambda: [p for p in _spares(engine.root) if p != shim], "the next spare")
        assert len(nxt) == 1
    finally:
        engine.cli("rm", "-f", cid)


def test_a_spare_exits_with_containerd_while_a_containers_shim_lives_on(engine) -> None:  # noqa: F811
    cid = engine.cli("run", "-d", "busybox", "sleep", "60").stdout.strip()
    try:
        shim = _shim_pid(engine, cid)
        spare = _until(lambda: _spares(engine.root), "a spare shim")
        engine.kill_containerd()
        _until(lambda: not _spares(engine.root), "the spare gone with containerd")
        assert not any(os.path.exists(f"/proc/{p}") and Path(f"/proc/{p}/stat").read_text().split()[2] != "Z"
                       for p in spare)
        assert Path(f"/proc/{shim}/comm").read_text().strip() == "minidocker-shim"  # the shim outlives it
        engine.restart_daemons()
        assert engine.cli("inspect", "--format", "{{.State.Running}}", cid).stdout.strip() == "true"
    finally:
        engine.cli("rm", "-f", cid)
