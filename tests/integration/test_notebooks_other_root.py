"""The chapters that keep state under the engine and course roots replay their saved outputs under an unusual
pair of roots (a space, deeper nesting): nothing they print may depend on where those roots are (issue 11).

run-tests replays every chapter under its own roots; this test replays those that name or use a root
(the engine's socket in 00, the course root's engines in 05, 06, 08) under a second pair, with nbval and
the course's sanitizer, as run-tests does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ["00-start-here", "05-the-engine", "06-runc-and-the-oci-runtime-spec", "08-container-commands"]

pytestmark = [pytest.mark.root, pytest.mark.slow]


def _reset(base: Path) -> None:
    for root in (base / "course", base):
        subprocess.run([sys.executable, "-m", "minidocker.course", "reset", str(root)], capture_output=True, timeout=300)


@pytest.mark.timeout(900)
def test_chapters_replay_under_roots_with_a_space_and_deeper_nesting() -> None:
    # Not pytest's tmp_path: the engines' unix sockets under it would pass the 107-byte limit of sun_path.
    top = Path(tempfile.mkdtemp(prefix="md odd root "))
    base = top / "one level" / "deeper"
    env = dict(os.environ, MINIDOCKER_ROOT=str(base / "system"), MINIDOCKER_COURSE_ROOT=str(base / "course"),
               PYTHONDONTWRITEBYTECODE="1")
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
    notebooks = [str(ROOT / "notebooks" / f"{name}.ipynb") for name in CHAPTERS]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "--nbval",
             "--nbval-sanitize-with", str(ROOT / "notebooks" / ".build" / "sanitize.cfg"), *notebooks],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=850)
    finally:
        _reset(base)
        shutil.rmtree(top, ignore_errors=True)
    assert done.returncode == 0, done.stdout[-4000:]
