"""Chapter 08 as an ordinary user (issue 15): with a cgroup subtree delegated to them, its limits cells run for
real (the files read back, the OOM kill, the refused forks); without one, the limits cell prints the engine's
one-line refusal and the cells that need limits say they skip. Executed, not replayed, with no error cell."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rootless_fixture import learners  # noqa: F401

pytestmark = pytest.mark.root
REPO = Path(__file__).resolve().parents[2]


def _execute(learner) -> str:
    out = learner.home / "08.out.ipynb"
    learner.run(str(Path(sys.executable).parent / "jupyter"), "nbconvert", "--execute", "--to", "notebook",
                "--allow-errors", "--ExecutePreprocessor.timeout=180", "--output", str(out),
                str(next((REPO / "notebooks").glob("08-*.ipynb"))), timeout=900)
    cells = [c for c in json.loads(out.read_text())["cells"] if c["cell_type"] == "code"]
    errors = [(i, o["ename"], o["evalue"][:300]) for i, c in enumerate(cells) for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert cells and not errors, errors
    return "".join("".join(o.get("text", "")) for c in cells for o in c.get("outputs", []))


def test_chapter_08_limits_with_a_delegated_subtree(learners):  # noqa: F811
    text = _execute(learners(cgroups={"memory": 1 << 30, "pids": 1024}))
    assert "memory: 50331648" in text and "pids: 20" in text, text[-3000:]
    assert "OOMKilled=true ExitCode=137" in text and "can't fork" in text
    assert "skipped" not in text and "refused" not in text


def test_chapter_08_without_one_says_the_refusal(learners):  # noqa: F811
    learner = learners()
    text = _execute(learner)
    assert f"refused: --memory needs a cgroup subtree delegated to {learner.name}" in text, text[-3000:]
    assert f"sudo minidocker rootless delegate {learner.name}" in text
    assert text.count("skipped (no cgroup subtree delegated to you") == 3
    assert "OOMKilled" not in text and "Memory=0 PidsLimit=" in text  # ch08-limits ran on, without limits


def _execute_exercise(learner, notebook: Path) -> tuple[str, list]:
    out = learner.home / "ex08.out.ipynb"
    learner.run(str(Path(sys.executable).parent / "jupyter"), "nbconvert", "--execute", "--to", "notebook",
                "--allow-errors", "--ExecutePreprocessor.timeout=180", "--output", str(out), str(notebook), timeout=900)
    cells = [c for c in json.loads(out.read_text())["cells"] if c["cell_type"] == "code"]
    errors = [o["evalue"][:300] for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    return "".join("".join(o.get("text", "")) for c in cells for o in c.get("outputs", [])), errors


MASTER = next((REPO / "teacher" / "solutions").glob("08-*.ipynb"))
COPY = next((REPO / "exercises" / "08-server-with-limits").glob("*.ipynb"))


def test_exercise_08_with_a_delegated_subtree(learners):  # noqa: F811
    learner = learners(cgroups={"memory": 1 << 30, "pids": 1024})
    text, errors = _execute_exercise(learner, MASTER)
    assert not errors and all(f"✔ requirement {n}" in text for n in (1, 2, 3)), (errors, text[-2000:])
    text, errors = _execute_exercise(learner, COPY)  # the learner's unsolved copy fails, at its first check
    assert errors and errors[0].startswith("requirement 1"), errors


def test_exercise_08_without_one_says_so_and_still_fails_unsolved(learners):  # noqa: F811
    learner = learners()
    text, errors = _execute_exercise(learner, MASTER)
    assert not errors, errors
    assert text.count(f"not checked on this engine: --memory needs a cgroup subtree delegated to {learner.name}") == 3
    assert "✔" not in text
    text, errors = _execute_exercise(learner, COPY)
    assert errors and "not written yet" in errors[0], errors
