"""`python -m minidocker.grade` on a folder of mixed submissions gives the right table, CSV and feedback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grade_class_fixture import FIXTURES, UNSOLVED, graded  # noqa: F401 - the module-scoped fixture
from minidocker.grade import catalog

pytestmark = [pytest.mark.root, pytest.mark.slow, pytest.mark.timeout(1800)]  # the module fixture grades many notebooks
EXERCISES = catalog.master_ids()
WRONG = json.loads((FIXTURES / "wrong.json").read_text())


def test_the_grader_prints_one_line_per_notebook_and_exits_1_for_the_bad_input(graded):
    assert graded.proc.returncode == 1, graded.proc.stderr
    assert "5 of " in graded.proc.stderr and "got 0 points for a reason" in graded.proc.stderr
    for name in graded.kinds:
        assert name in graded.proc.stdout, f"{name} missing from the table:\n{graded.proc.stdout}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_a_solved_notebook_gets_every_point(graded, exercise):
    rows = graded.of(f"{exercise}-solved.ipynb")
    assert len(rows) >= 3 and {r["exercise"] for r in rows} == {exercise}
    for r in rows:
        assert r["points"] == r["max_points"] and float(r["points"]) > 0 and r["message"] == "", r


@pytest.mark.parametrize("exercise", UNSOLVED)
def test_an_unsolved_notebook_gets_0_and_each_requirement_says_why(graded, exercise):
    rows = graded.of(f"{exercise}-unsolved.ipynb")
    assert len(rows) >= 3 and all(r["points"] == "0" for r in rows)
    for n, r in enumerate(rows, 1):
        assert r["message"].startswith(f"requirement {n} (") and "not written yet" in r["message"] and "hint: " in r["message"], r


@pytest.mark.parametrize("exercise", EXERCISES)
def test_a_plausible_wrong_answer_gets_partial_points_and_its_specific_message(graded, exercise):
    rows = graded.of(f"{exercise}-wrong.ipynb")
    want = WRONG[exercise]
    failed = [r["requirement"] for r in rows if r["points"] != r["max_points"]]
    assert failed == want["fails"], rows
    earned = sum(float(r["points"]) for r in rows)
    assert 0 < earned < sum(float(r["max_points"]) for r in rows)
    first = next(r for r in rows if r["requirement"] == want["fails"][0])
    assert want["message"] in first["message"] and "hint: " in first["message"], first


@pytest.mark.parametrize("name, reason", [
    ("0-corrupt.ipynb", "not a readable notebook"),
    ("0-not-an-exercise.ipynb", "not an exercise"),
    ("0-hangs.ipynb", "did not finish within"),
    ("0-kills-kernel.ipynb", "the kernel died"),
    ("0-leaves-container.ipynb", "left 1 container(s) behind (forgotten)"),
])
def test_bad_input_gets_0_points_and_the_reason(graded, name, reason):
    rows = graded.of(name)
    assert rows and all(r["points"] == "0" for r in rows)
    assert all(reason in r["message"] for r in rows), rows
    line = next(l for l in graded.proc.stdout.splitlines() if name in l)
    assert reason in line


def test_the_container_left_behind_would_have_earned_full_points_and_says_so(graded):
    rows = graded.of("0-leaves-container.ipynb")
    assert all(f"(would have earned {float(r['max_points']):g})" in r["message"] for r in rows), rows


def test_every_learner_gets_a_feedback_file(graded):
    for name in graded.kinds:
        text = (graded.feedback / f"{Path(name).stem}.feedback.txt").read_text()
        assert text.startswith(f"# Feedback: {name}")
    unsolved = (graded.feedback / f"{UNSOLVED[0]}-unsolved.feedback.txt").read_text()
    assert "✘ r1-" in unsolved and "hint: " in unsolved
    solved = (graded.feedback / f"{EXERCISES[0]}-solved.feedback.txt").read_text()
    assert "✘" not in solved and "✔ r1-" in solved
