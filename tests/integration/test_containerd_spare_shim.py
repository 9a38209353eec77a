"""containerd keeps one shim started ahead of need (containerd/shims.py Spares, shim/main.py --spare):
it forks each container's shim (its own process in its own session, re-parented to init, outliving
containerd as any shim), stays for the next, and never outlives the containerd that started it."""

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


def _forked(pid: int) -> bool:
    """A shim forked by the spare has the spare's command line (--spare ADDRESS); a launched one --id ID."""
    return b"--spare" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")


def _ppid_sid(pid: int) -> tuple[int, int]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[3])


def test_the_spare_forks_each_containers_shim_and_stays(engine) -> None:  # noqa: F811
    spare = _until(lambda: _spares(engine.root), "a spare shim after containerd started")
    assert len(spare) == 1
    assert os.getpriority(os.PRIO_PROCESS, spare[0]) == 0  # started niced, back to normal once ready
    cids = [engine.cli("run", "-d", "busybox", "sleep", "60").stdout.strip() for _ in range(2)]
    try:
        shims = [_shim_pid(engine, cid) for cid in cids]
        assert len(set(shims)) == 2 and spare[0] not in shims  # one shim per container, forked
        for shim in shims:
            assert Path(f"/proc/{shim}/comm").read_text().strip() == "minidocker-shim"
            assert os.getpriority(os.PRIO_PROCESS, shim) == 0
            ppid, sid = _ppid_sid(shim)
            assert sid == shim  # its own session, as a launched shim
            assert _forked(shim)
            assert ppid != spare[0] and Path(f"/proc/{ppid}/comm").read_text().strip() != "minicontainerd"
            # a forked shim writes its own log file in its bundle, not the spare's stdio
            assert Path(os.readlink(f"/proc/{shim}/fd/2")).name == "shim.log"
        assert engine.cli("exec", cids[0], "echo", "hi").stdout == "hi\n"
        assert _spares(engine.root) == spare  # the same spare, ready for the next
    finally:
        engine.cli("rm", "-f", *cids)


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


def test_a_killed_spare_is_replaced_and_runs_go_on(engine) -> None:  # noqa: F811
    spare = _until(lambda: _spares(engine.root), "a spare shim")
    os.kill(spare[0], 9)
    _until(lambda: not os.path.exists(f"/proc/{spare[0]}") or
           Path(f"/proc/{spare[0]}/stat").read_text().split()[2] == "Z", "the spare gone")
    # containerd finds it gone on the next run: that run's shim is launched the usual way, a new spare started
    assert engine.cli("run", "--rm", "busybox", "echo", "still").stdout == "still\n"
    fresh = _until(lambda: [p for p in _spares(engine.root) if p != spare[0]], "a new spare")
    cid = engine.cli("run", "-d", "busybox", "sleep", "60").stdout.strip()
    try:
        shim = _shim_pid(engine, cid)
        assert shim not in fresh and _ppid_sid(shim)[1] == shim  # its own session
        assert _forked(shim)  # forked by the new spare
    finally:
        engine.cli("rm", "-f", cid)
