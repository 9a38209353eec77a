"""A full disk under the container records: `run --rm` still returns and removes its container, and the error is reported.

The records' directory gets a small tmpfs of its own (mounted by the test, unmounted after it), filled up
while the container runs; the container's exit then cannot be saved (ENOSPC). Before the fix the exit
thread died in c.save() and `run --rm` waited forever for a removal that never came.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine (its own root)

pytestmark = pytest.mark.root


def fill(directory) -> None:
    """Write until the filesystem says ENOSPC."""
    with open(directory / "filler", "ab") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError as err:
            assert err.errno == 28, err


def test_run_rm_returns_when_the_exit_cannot_be_saved(engine):
    records = engine.root / "lib" / "containers"
    records.mkdir(parents=True, exist_ok=True)
    assert not os.listdir(records), "the tmpfs must not hide existing records"
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(records)], check=True)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "minidocker.client.cli", "run", "--rm", "-i", "--name", "full",
                                 "busybox", "sh", "-c", "read line; echo got $line"],
                                env=engine.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            # running (the record is saved) before the disk fills up
            for _ in range(600):
                ps = engine.cli("ps", "-q", "--filter", "name=full")
                if ps.stdout.strip():
                    break
                assert proc.poll() is None, proc.stderr.read().decode()
                subprocess.run(["sleep", "0.1"])
            fill(records)
            out, err = proc.communicate(b"hello\n", timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 0, err.decode() + engine.logs()
        assert b"got hello" in out
        ps = engine.docker("ps", "-a", "--format", "{{.Names}}")
        assert ps.returncode == 0 and "full" not in ps.stdout.split()  # removed all the same
        assert "no space left on device" in (engine.logdir / "dockerd.log").read_text().lower()
        assert [n for n in os.listdir(records) if n != "filler"] == []  # no record, no temporary file left
        # the daemon is still whole: a full disk refuses a create with a clear error, nothing half-saved
        fill(records)  # the removal freed the record's room
        status = engine.cli("create", "--name", "nospace", "busybox", "true")
        assert status.returncode != 0 and "no space left on device" in status.stderr
        assert "Traceback" not in status.stderr
        assert [n for n in os.listdir(records) if n != "filler"] == []
        os.unlink(records / "filler")
        again = engine.cli("run", "--rm", "busybox", "echo", "room again")
        assert again.returncode == 0 and "room again" in again.stdout, again.stderr
    finally:
        subprocess.run(["umount", "-l", str(records)])
