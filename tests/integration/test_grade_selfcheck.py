"""A learner's self-check: `pytest --nbval-lax` fails on every unsolved copy at its first graded cell,
with its first requirement's message, and passes on a solved notebook (each run under a private root;
test_grade_class.py proves that every master earns every point when run to the end)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from grade_class_fixture import grade_root
from minidocker import course
from minidocker.grade import autograde, catalog

pytestmark = [pytest.mark.root, pytest.mark.slow, pytest.mark.timeout(1800)]  # the module fixture grades many notebooks
EXERCISES = catalog.master_ids()
SOLVED = ["03-container-is-a-process"]  # the quickest; nbval and the grader judge a cell alike (an error fails it)


def _nbval(notebooks: list[Path], root: Path, report: Path) -> dict[str, list[tuple[int, str | None]]]:
    """Run pytest --nbval-lax on the notebooks under a private engine root; notebook -> [(cell, failure)]."""
    env = dict(os.environ, MINIDOCKER_ROOT=str(root / "system"), MINIDOCKER_COURSE_ROOT=str(root / "course"))
    try:
        subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q", "-o",
                        "testpaths=", f"--junitxml={report}", *map(str, notebooks)],
                       env=env, capture_output=True, text=True, timeout=1200, cwd=root.parent)
    finally:
        course.reset(root / "course")
        course.reset(root / "system")
        course.reset(root)
    cells: dict[str, list[tuple[int, str | None]]] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        m = re.search(r"Cell (\d+)", case.get("name", ""))
        failure = case.find("failure")
        nb = Path(case.get("file") or case.get("classname", "")).name or case.get("classname", "")
        cells.setdefault(nb.removesuffix(".ipynb").replace(".", "/"), []).append(
            (int(m.group(1)) if m else -1, None if failure is None else (failure.get("message", "") + (failure.text or ""))))
    return cells


@pytest.fixture(scope="module")
def selfcheck(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    work = tmp_path_factory.mktemp("selfcheck")
    students = [catalog.EXERCISES / ex / "student.ipynb" for ex in EXERCISES]
    solved = []
    for ex in SOLVED:  # a solved copy: the master, as a learner would save it beside the exercise
        solved.append(work / f"{ex}-solved.ipynb")
        solved[-1].write_bytes(catalog.master_path(ex).read_bytes())
    base = grade_root() / "selfcheck"
    base.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(_nbval, students, base / "s", work / "students.xml")  # short roots: socket paths
        b = pool.submit(_nbval, solved, base / "v", work / "solved.xml")
        return {"unsolved": a.result(), "solved": b.result()}


def _cases(results: dict, exercise: str) -> list[tuple[int, str | None]]:
    matches = [v for k, v in results.items() if exercise in k]
    assert len(matches) == 1, f"no single nbval result for {exercise}: {sorted(results)}"
    return sorted(matches[0])


@pytest.mark.parametrize("exercise", EXERCISES)
def test_the_unsolved_copy_fails_first_at_its_first_graded_cell_with_requirement_1(selfcheck, exercise):
    cases = (_cases(selfcheck["unsolved"], exercise))
    nb = nbformat.read(catalog.EXERCISES / exercise / "student.ipynb", as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    first_graded = next(i for i, c in enumerate(code_cells) if c in autograde.graded_cells(nb))
    failing = [(i, msg) for i, msg in cases if msg]
    assert failing, f"nbval passed the unsolved {exercise}"
    index, message = failing[0]
    assert index == first_graded, (cases, first_graded)
    assert "AssertionError" in message and "requirement 1 (" in message and "hint: " in message, message


@pytest.mark.parametrize("exercise", SOLVED)
def test_the_solved_notebook_passes(selfcheck, exercise):
    cases = _cases(selfcheck["solved"], exercise)
    assert len(cases) >= 4 and all(msg is None for _, msg in cases), cases
