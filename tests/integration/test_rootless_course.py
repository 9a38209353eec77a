"""The course as an ordinary user (issue 15 point 3): chapters run from top to bottom against the learner's
own rootless engine, every cell without an error (executed, not replayed: nbval would replay saved outputs),
and exercise solutions graded by the learner with `python -m minidocker.grade` earn every point.

CI runs the chapters whose rootless path differs from root's (04: the real containerd, 05: the traced run,
06: a rootless bundle under minirunc and runc, 10: what needs root skips) and one ordinary one (00), and
the exercises with a rootless path of their own (06, 10). MINIDOCKER_LEARNER_ALL=1 runs every chapter and
every exercise, MINIDOCKER_LEARNER_CGROUPS=1 with a delegated cgroup subtree as run-classroom gives each
learner (teacher/classroom-on-one-server.md records both runs):

    MINIDOCKER_LEARNER_ALL=1 [MINIDOCKER_LEARNER_CGROUPS=1] .venv/bin/python -m pytest -n 2 -rA --durations=0 \
        tests/integration/test_rootless_course.py
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from pathlib import Path

import pytest

from rootless_fixture import learners  # noqa: F401

pytestmark = pytest.mark.root
REPO = Path(__file__).resolve().parents[2]
ALL = os.environ.get("MINIDOCKER_LEARNER_ALL") == "1"
# MINIDOCKER_LEARNER_CGROUPS=1: the learners of the chapter and exercise runs get a delegated cgroup subtree,
# as run-classroom's do (without it, as an ordinary user of a machine that delegates nothing)
DELEGATED = {"memory": 512 << 20, "pids": 512} if os.environ.get("MINIDOCKER_LEARNER_CGROUPS") == "1" else None
CHAPTERS = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
EXERCISES = sorted(p.name for p in (REPO / "teacher" / "solutions").glob("[0-9][0-9]-*.ipynb"))
CI_CHAPTERS = ("00", "04", "05", "06", "10")
CI_EXERCISES = ("06", "10")


def _chosen(names: list[str], ci: tuple[str, ...]) -> list[str]:
    return names if ALL else [n for n in names if n[:2] in ci]


def _code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def _text(cells: list[dict]) -> str:
    return "".join("".join(o.get("text", "")) for c in cells for o in c.get("outputs", []))  # a str or a list of lines


@pytest.mark.parametrize("chapter", _chosen(CHAPTERS, CI_CHAPTERS))
def test_chapter_runs_as_a_learner(learners, chapter):  # noqa: F811
    learner = learners(cgroups=DELEGATED)
    out = learner.home / f"{chapter}.out.ipynb"
    learner.run(str(Path(sys.executable).parent / "jupyter"), "nbconvert", "--execute", "--to", "notebook",
                "--allow-errors", "--ExecutePreprocessor.timeout=300", "--output", str(out),
                str(REPO / "notebooks" / chapter), timeout=900)
    cells = _code_cells(out)
    errors = [(i, o["ename"], o["evalue"][:300]) for i, c in enumerate(cells) for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert cells and not errors, errors
    text = _text(cells)
    assert "rootless: your own engine" in text
    # a skipped cell names what it skipped and why (teach.root_only), never a bare "skipped"
    for line in re.findall(r"skipped \(needs root\):(.*)", text):
        assert len(line.strip()) > 10, line


def test_chapter_06_limits_in_a_delegated_cgroup(learners):  # noqa: F811
    """With a cgroup subtree delegated (as run-classroom does), chapter 06's 64 MiB limit is set and read back."""
    learner = learners(cgroups={"memory": 512 << 20, "pids": 512})
    out = learner.home / "06.out.ipynb"
    learner.run(str(Path(sys.executable).parent / "jupyter"), "nbconvert", "--execute", "--to", "notebook",
                "--allow-errors", "--ExecutePreprocessor.timeout=300", "--output", str(out),
                str(REPO / "notebooks" / "06-runc-and-the-oci-runtime-spec.ipynb"), timeout=900)
    text = _text(_code_cells(out))
    assert "memory limit: 64 MiB" in text and "no memory limit" not in text, text[-2000:]


def _grade(learner, notebook: Path) -> dict[str, dict]:
    """`python -m minidocker.grade` run by the learner on one notebook: its rows by requirement."""
    grades = learner.home / "grades.csv"
    done = learner.run(sys.executable, "-m", "minidocker.grade", "--csv", str(grades), "--feedback",
                       str(learner.home / "feedback"), "-j", "1", str(notebook), check=False, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(grades, newline="") as f:
        rows = {r["requirement"]: r for r in csv.DictReader(f)}
    assert rows, done.stdout
    return rows


@pytest.mark.parametrize("exercise", _chosen(EXERCISES, CI_EXERCISES))
def test_exercise_solution_earns_every_point_as_a_learner(learners, exercise):  # noqa: F811
    rows = _grade(learners(cgroups=DELEGATED), REPO / "teacher" / "solutions" / exercise)
    lost = [(r["requirement"], r["message"]) for r in rows.values()
            if float(r["points"]) < float(r["max_points"]) or r["message"]]
    assert not lost


def test_exercise_06_as_a_learner_still_fails_a_wrong_limit(learners):  # noqa: F811
    """The rootless branch of exercise 06 (the runtimes refuse any limit here) judges the limit config.json asks for."""
    learner = learners()
    master = REPO / "teacher" / "solutions" / "06-an-oci-bundle.ipynb"
    wrong = learner.home / "06-wrong.ipynb"
    text = master.read_text()
    assert "32 * 1024 * 1024" in text
    learner.run("sh", "-c", f"cat > {wrong}", input=text.replace("32 * 1024 * 1024", "16 * 1024 * 1024"))
    rows = _grade(learner, wrong)
    assert rows["r1-hostname"]["points"] == "1"
    assert rows["r2-memory-limit"]["points"] == "0" and "16777216" in rows["r2-memory-limit"]["message"]
