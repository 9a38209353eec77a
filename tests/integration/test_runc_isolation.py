"""What a minirunc container cannot see or do: host processes, the old root, masked and read-only
paths; and limits that bite, observed from outside: the OOM killer and a held fork bomb."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from runc_fixture import bundle, configure, runtimes  # noqa: F401 - fixtures

pytestmark = pytest.mark.root


def run(runtimes, bundle: Path, script: str, **limits) -> tuple[int, str]:
    configure(bundle, args=["sh", "-c", script], **limits)
    done = runtimes("minirunc", "run", "--bundle", str(bundle), runtimes.new_id("iso"))
    return done.returncode, done.stdout + done.stderr


def test_no_host_process_visible(runtimes, bundle: Path) -> None:
    code, out = run(runtimes, bundle, "ls /proc | grep '^[0-9]*$'; echo end")
    pids = [int(x) for x in out.split() if x.isdigit()]
    assert code == 0 and 1 in pids
    assert os.getpid() not in pids and len(pids) <= 4  # sh, ls, grep and at most one more of its own


def test_old_root_unreachable(runtimes, bundle: Path, tmp_path: Path) -> None:
    marker = tmp_path / "host-only-marker"
    marker.write_text("host")
    code, out = run(runtimes, bundle, f"cat {marker} 2>/dev/null; cat /proc/self/mountinfo; ls /proc/1/root/{marker.name} 2>&1")
    assert code != 0 or "host" not in out.splitlines()[0]
    roots = [line.split()[4] for line in out.splitlines() if " - " in line]
    assert roots[0] == "/" and all(not r.startswith(str(tmp_path)) for r in roots)  # the host's tree is not mounted anywhere
    assert "host\n" not in out


def test_masked_paths_unreadable(runtimes, bundle: Path) -> None:
    code, out = run(runtimes, bundle, "wc -c < /proc/keys; wc -c < /proc/timer_list; ls -A /sys/firmware | wc -l; ls -A /proc/acpi | wc -l")
    assert code == 0, out
    assert out.split() == ["0", "0", "0", "0"]
    host_keys = Path("/proc/keys").read_text()
    assert host_keys  # the host's file is not empty, so an empty read inside means masked


def test_readonly_paths_and_root_unwritable(runtimes, bundle: Path) -> None:
    script = ("echo x > /proc/sys/kernel/domainname && echo WROTE-SYS; echo h > /proc/sysrq-trigger && echo WROTE-SYSRQ; "
              "touch /newfile && echo WROTE-ROOT; touch /dev/shm/ok && echo TMPFS-OK")
    code, out = run(runtimes, bundle, script)
    assert "WROTE" not in out and "Read-only file system" in out
    assert "TMPFS-OK" in out  # the writable mounts stay writable: the refusals come from the read-only ones


def test_memory_hog_is_oom_killed(runtimes, bundle: Path) -> None:
    limit = 32 * 1024 * 1024
    configure(bundle, args=["awk", "BEGIN { s = \"xxxxxxxxxxxxxxxx\"; while (1) s = s s }"], memory=limit, swap=limit)
    cid = runtimes.new_id("oom")
    done = runtimes("minirunc", "run", "--keep", "--bundle", str(bundle), cid)
    assert done.returncode == 137, done.stderr  # 128 + SIGKILL, from the OOM killer
    memory = json.loads((runtimes.roots["minirunc"] / cid / "state.json").read_text())["cgroup_paths"]["memory"]
    oom = dict(line.split() for line in Path(memory, "memory.oom_control").read_text().splitlines())
    assert int(oom["oom_kill"]) >= 1
    assert int(Path(memory, "memory.limit_in_bytes").read_text()) == limit
    assert runtimes("minirunc", "delete", cid).returncode == 0
    assert not Path(memory).exists()


def test_fork_bomb_is_held_by_pids_limit(runtimes, bundle: Path) -> None:
    # busybox sh gives up when fork fails, so the bomb runs in a subshell and the init stays to be seen.
    configure(bundle, args=["sh", "-c", "(while true; do sleep 30 & done) 2>/dev/null; exec sleep 60"], pids=20)
    cid = runtimes.new_id("bomb")
    assert runtimes("minirunc", "run", "-d", "--bundle", str(bundle), cid).returncode == 0
    pids_dir = Path(json.loads((runtimes.roots["minirunc"] / cid / "state.json").read_text())["cgroup_paths"]["pids"])
    deadline = time.monotonic() + 20
    while int((pids_dir / "pids.events").read_text().split()[1]) == 0:  # "max N": forks refused so far
        assert time.monotonic() < deadline, "the fork bomb never hit the pids limit"
        time.sleep(0.05)
    assert int((pids_dir / "pids.current").read_text()) <= 20
    assert runtimes.state("minirunc", cid)["status"] == "running"  # held, not crashed
    assert runtimes("minirunc", "delete", "--force", cid).returncode == 0
    assert not pids_dir.exists()
