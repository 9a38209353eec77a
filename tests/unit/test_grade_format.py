"""The exercises' format: nbgrader masters in teacher/solutions, learners' copies generated from them
(never stale, no solution text, no saved outputs or raises-exception tags), checks in the package."""

from __future__ import annotations

import re

import nbformat
import pytest

from minidocker.grade import autograde, catalog, generate, report
from minidocker.grade.exercises import all_ids, load

MASTERS = catalog.master_ids()


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def test_every_exercise_has_a_master_and_a_module():
    assert MASTERS == all_ids() and len(MASTERS) >= 3


@pytest.mark.parametrize("exercise", MASTERS)
def test_a_master_is_in_nbgrader_format_with_the_packages_points(exercise):
    nb = nbformat.read(catalog.master_path(exercise), as_version=4)
    assert nb.metadata["minidocker"]["exercise"] == exercise
    ex = load(exercise)
    graded = autograde.graded_cells(nb)
    assert len(graded) == len(ex.requirements) >= 3
    for n, cell in enumerate(graded, 1):
        meta = _nbgrader(cell)
        assert meta["schema_version"] == 3 and meta["locked"] and not meta["solution"]
        assert meta["points"] == ex.requirements[n].points and meta["grade_id"].startswith(f"r{n}-")
        assert len(cell.source.splitlines()) <= 2 and f"ex.check({n}, " in cell.source
    solutions = [c for c in nb.cells if _nbgrader(c).get("solution")]
    assert solutions and all("### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source for c in solutions)
    ids = [_nbgrader(c).get("grade_id") for c in nb.cells]
    assert None not in ids and len(set(ids)) == len(ids)


def test_the_generated_copies_are_not_stale():
    assert generate.stale() == [], "run: python -m minidocker.grade generate"


def test_a_changed_master_makes_its_copy_stale(tmp_path, monkeypatch):
    exercise = MASTERS[0]
    nb = nbformat.read(catalog.master_path(exercise), as_version=4)
    nb.cells[0].source += "\nOne more sentence."
    monkeypatch.setattr(catalog, "MASTERS", tmp_path)
    nbformat.write(nb, tmp_path / f"{exercise}.ipynb")
    assert catalog.EXERCISES / exercise / "README.md" in generate.stale([exercise])


@pytest.mark.parametrize("exercise", MASTERS)
def test_no_solution_text_outputs_or_raises_exception_tags_in_the_learners_copy(exercise):
    master = nbformat.read(catalog.master_path(exercise), as_version=4)
    folder = catalog.EXERCISES / exercise
    text = "\n".join(p.read_text() for p in folder.iterdir())
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "student.ipynb"]
    for cell in master.cells:
        for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S):
            for line in region.splitlines():
                if len(line.strip()) > 12:
                    assert line.strip() not in text, f"solution line in exercises/{exercise}: {line.strip()}"
    student = nbformat.read(folder / "student.ipynb", as_version=4)
    for cell in student.cells:
        assert "tags" not in cell.metadata and not cell.get("outputs")
        if _nbgrader(cell).get("solution"):
            assert "raise NotImplementedError()" in cell.source


def test_a_learner_cannot_change_a_check_cell(tmp_path):
    exercise = MASTERS[0]
    nb = nbformat.read(catalog.EXERCISES / exercise / "student.ipynb", as_version=4)
    graded = autograde.graded_cells(nb)
    graded[0].source = 'print("✔ requirement 1: trust me")'
    nbformat.write(nb, tmp_path / "tampered.ipynb")
    _, merged, master = autograde.load(tmp_path / "tampered.ipynb")
    assert autograde.graded_cells(merged)[0].source == autograde.graded_cells(master)[0].source


@pytest.mark.parametrize("content, reason", [
    ("not json", "not a readable notebook"),
    ('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', "not an exercise"),
    ('{"cells": [], "metadata": {"minidocker": {"exercise": "99-nothing"}}, "nbformat": 4, "nbformat_minor": 5}',
     "unknown exercise '99-nothing'"),
])
def test_bad_input_is_refused_with_its_reason_before_anything_runs(tmp_path, content, reason):
    (tmp_path / "x.ipynb").write_text(content)
    result = autograde.grade(tmp_path / "x.ipynb", base=tmp_path / "roots")
    assert result.points == 0 and reason in result.reason and not (tmp_path / "roots").exists()


def test_the_csv_has_one_row_per_notebook_and_requirement(tmp_path):
    results = [autograde.Result("a.ipynb", "03-x", [autograde.Row("r1-a", 1, 1), autograde.Row("r2-b", 0, 2, "requirement 2 (b): no\nhint: h")]),
               autograde.Result("b.ipynb", "", [autograde.Row("-", 0, 0, "not an exercise")], reason="not an exercise")]
    report.write_csv(results, tmp_path / "g.csv")
    lines = (tmp_path / "g.csv").read_text().splitlines()
    assert lines[0] == ",".join(report.CSV_FIELDS) and len(lines) == 4
    assert lines[2] == "a.ipynb,03-x,r2-b,0,2,requirement 2 (b): no hint: h"
    table = report.table(results)
    assert "1/3" in table and "r2-b" in table and "not an exercise" in table


def test_a_learner_grades_under_their_own_data_directory(tmp_path, monkeypatch):
    """Root's private engine roots go to /var/lib/minidocker-grade; an ordinary user's (rootless) beside their
    engine's state, where they may write; MINIDOCKER_GRADE_ROOT wins over both."""
    monkeypatch.delenv("MINIDOCKER_GRADE_ROOT", raising=False)
    monkeypatch.delenv("MINIDOCKER_ROOT", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("MINIDOCKER_ROOTLESS", "1000")  # as inside a learner's engine, or as that learner
    assert autograde.grade_root() == tmp_path / "data" / "minidocker-grade"
    monkeypatch.setenv("MINIDOCKER_GRADE_ROOT", str(tmp_path / "chosen"))
    assert autograde.grade_root() == tmp_path / "chosen"
