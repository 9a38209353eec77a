"""A class folder of mixed submissions graded once by `python -m minidocker.grade` (module-scoped):
every exercise solved (its master) and wrong (tests/fixtures/grade), a few unsolved (learners' copies:
test_grade_selfcheck.py runs every one), plus a corrupt file, a chapter notebook, one that hangs, one
that kills its kernel, one that leaves a container behind (named 0-*: graded first, so the hang
overlaps the rest). Engines run under the test root; the fixture proves none is left afterwards."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from minidocker import course
from minidocker.grade import catalog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "grade"
UNSOLVED = catalog.master_ids()[::4]  # a sample: they fail fast and the self-check test runs them all
TIMEOUT = 180  # per notebook (at load 15-20 on 2 cores they took 9-42 s); the hang, graded first, overlaps the rest


def grade_root() -> Path:
    test_root = os.environ.get("MINIDOCKER_TEST_ROOT")
    base = Path(test_root) if test_root else Path(os.environ.get("MINIDOCKER_ROOT", "/var/lib/minidocker-tests/system")).parent
    return base / "grade"  # class/ for the class's engines, selfcheck/ for the learners' self-checks


def _with_extra_cell(exercise: str, code: str) -> nbformat.NotebookNode:
    nb = nbformat.read(catalog.master_path(exercise), as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(code))
    return nb


def make_class(folder: Path) -> dict[str, str]:
    """Write the submissions; return notebook name -> what it is."""
    kinds = {}
    for ex in catalog.master_ids():
        for kind, src in (("solved", catalog.master_path(ex)), ("unsolved", catalog.EXERCISES / ex / "student.ipynb"),
                          ("wrong", FIXTURES / f"{ex}-wrong.ipynb")):
            if kind != "unsolved" or ex in UNSOLVED:
                (folder / f"{ex}-{kind}.ipynb").write_bytes(src.read_bytes())
                kinds[f"{ex}-{kind}.ipynb"] = kind
    (folder / "0-corrupt.ipynb").write_text('{"cells": [ truncated')
    chapter = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('a chapter, not an exercise')")])
    nbformat.write(chapter, folder / "0-not-an-exercise.ipynb")
    first = catalog.master_ids()[0]
    nbformat.write(_with_extra_cell(first, "import time\ntime.sleep(3600)"), folder / "0-hangs.ipynb")
    nbformat.write(_with_extra_cell(first, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"), folder / "0-kills-kernel.ipynb")
    nbformat.write(_with_extra_cell(first, 'eng("run", "-d", "--name", "forgotten", "busybox", "sleep", "600")'),
                   folder / "0-leaves-container.ipynb")
    kinds.update({"0-corrupt.ipynb": "corrupt", "0-not-an-exercise.ipynb": "not-an-exercise", "0-hangs.ipynb": "hangs",
                  "0-kills-kernel.ipynb": "kills-kernel", "0-leaves-container.ipynb": "leaves-container"})
    return kinds


class Graded:
    def __init__(self, folder: Path, kinds: dict[str, str], proc: subprocess.CompletedProcess, rows: list[dict],
                 seconds: float, feedback: Path) -> None:
        self.folder, self.kinds, self.proc, self.rows, self.seconds, self.feedback = folder, kinds, proc, rows, seconds, feedback

    def of(self, name: str) -> list[dict]:
        return [r for r in self.rows if Path(r["notebook"]).name == name]


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    work = tmp_path_factory.mktemp("class")
    folder = work / "submissions"
    folder.mkdir()
    kinds = make_class(folder)
    root = grade_root() / "class"
    env = dict(os.environ, MINIDOCKER_GRADE_ROOT=str(root))
    started = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-m", "minidocker.grade", "--csv", str(work / "grades.csv"),
                               "--feedback", str(work / "feedback"), "--timeout", str(TIMEOUT), "-j", "2", str(folder)],
                              env=env, capture_output=True, text=True, timeout=3600)
    finally:
        leftover = [p for p in root.iterdir()] if root.is_dir() else []
        for p in leftover:
            course.reset(p / "system")
            course.reset(p / "course")
            course.reset(p)
        course.reset(root)
    assert not leftover, f"the grader left engine roots behind: {leftover}"
    with open(work / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    print(f"\n{proc.stdout}graded in {time.monotonic() - started:.0f} s")  # the table, seen with pytest -s
    return Graded(folder, kinds, proc, rows, time.monotonic() - started, work / "feedback")
