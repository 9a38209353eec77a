"""pause and resume: the freezer cgroup, v1 freezer.state or v2 cgroup.freeze (cf. runc libcontainer/cgroups/fs/freezer.go, fs2/freezer.go)."""

from __future__ import annotations

import os
import time

from ..errors import RuntimeFailure
from .cgroups import UNIFIED, _write, is_unified


def _v1(paths: dict[str, str]) -> str | None:
    return paths.get("freezer")


def _v2(paths: dict[str, str]) -> str | None:
    path = paths.get(UNIFIED)
    return path if path and is_unified() and os.path.exists(path + "/cgroup.freeze") else None


def is_frozen(paths: dict[str, str]) -> bool:
    try:
        if _v1(paths):
            with open(_v1(paths) + "/freezer.state") as f:
                return f.read().strip() in ("FROZEN", "FREEZING")
        if _v2(paths):
            with open(_v2(paths) + "/cgroup.freeze") as f:
                return f.read().strip() == "1"
    except FileNotFoundError:
        pass
    return False


def freeze(paths: dict[str, str], frozen: bool) -> None:
    """Freeze or thaw every task of the cgroup and wait until the kernel reports it done."""
    if _v1(paths):
        path, name, want = _v1(paths), "freezer.state", "FROZEN" if frozen else "THAWED"
        report, expect = "freezer.state", want
    elif _v2(paths):
        path, name, want = _v2(paths), "cgroup.freeze", "1" if frozen else "0"
        report, expect = "cgroup.events", f"frozen {want}"
    else:
        raise RuntimeFailure("pause: no freezer cgroup for this container")
    deadline = time.monotonic() + 5
    while True:
        _write(path, name, want)  # v1 may stay FREEZING a while; runc repeats the write too
        with open(f"{path}/{report}") as f:
            if expect in (line.strip() for line in f):
                return
        if time.monotonic() > deadline:
            raise RuntimeFailure(f"{'pause' if frozen else 'resume'}: the freezer did not reach {want}")
        time.sleep(0.001)
