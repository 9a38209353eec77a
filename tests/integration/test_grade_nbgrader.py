"""A teacher who runs nbgrader uses the masters unchanged: the real `nbgrader generate_assignment` makes the
same learner's copy as `python -m minidocker.grade generate`, and `nbgrader autograde` gives the master
every point and the unsolved copy none (its kernels under a private engine root)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grade_class_fixture import grade_root
from minidocker import course
from minidocker.grade import catalog
from minidocker.grade.exercises import load

pytestmark = [pytest.mark.root, pytest.mark.slow, pytest.mark.timeout(1800)]  # the module fixture grades many notebooks
EXERCISE = "03-container-is-a-process"  # the quickest to run
BIN = Path(sys.executable).parent  # nbgrader runs `alembic` from PATH: the venv's bin must be on it


def _cells(path: Path) -> list[tuple[str, str]]:
    nb = json.loads(path.read_text())
    return [(json.dumps(c["metadata"], sort_keys=True), "".join(c["source"])) for c in nb["cells"]]


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("nbgrader")
    top = tmp_path_factory.mktemp("nbgrader")
    (top / "source" / EXERCISE).mkdir(parents=True)
    shutil.copy(catalog.master_path(EXERCISE), top / "source" / EXERCISE / f"{EXERCISE}.ipynb")
    (top / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.root = {str(top)!r}\n")
    root = grade_root() / "nbgrader"
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}", MINIDOCKER_ROOT=str(root / "system"),
               MINIDOCKER_COURSE_ROOT=str(root / "course"))
    run = lambda *a: subprocess.run([str(BIN / "nbgrader"), *a], cwd=top, env=env, capture_output=True, text=True, timeout=600)
    gen = run("generate_assignment", EXERCISE, "--force")
    assert gen.returncode == 0, gen.stderr
    for student, src in (("solved", catalog.master_path(EXERCISE)), ("unsolved", top / "release" / EXERCISE / f"{EXERCISE}.ipynb")):
        (top / "submitted" / student / EXERCISE).mkdir(parents=True)
        shutil.copy(src, top / "submitted" / student / EXERCISE / f"{EXERCISE}.ipynb")
    try:
        auto = run("autograde", EXERCISE, "--create", "--force")
    finally:
        course.reset(root / "system")
        course.reset(root / "course")
        course.reset(root)
    assert auto.returncode == 0, auto.stderr
    return top


def test_nbgraders_generate_assignment_makes_our_learners_copy(course_dir):
    theirs = course_dir / "release" / EXERCISE / f"{EXERCISE}.ipynb"
    assert _cells(theirs) == _cells(catalog.EXERCISES / EXERCISE / "student.ipynb")


def test_nbgraders_autograde_gives_the_master_every_point_and_the_unsolved_copy_none(course_dir):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        solved = gb.find_submission(EXERCISE, "solved")
        unsolved = gb.find_submission(EXERCISE, "unsolved")
        assert solved.score == solved.max_score == load(EXERCISE).max_points
        assert unsolved.score == 0 and unsolved.max_score == load(EXERCISE).max_points
