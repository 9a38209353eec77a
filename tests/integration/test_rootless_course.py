"""The course as an ordinary user (issue 15 point 3): chapter 00 runs from top to bottom against the learner's
own rootless engine, every cell without an error (executed, not replayed: nbval would replay saved outputs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rootless_fixture import learners  # noqa: F401

pytestmark = pytest.mark.root
REPO = Path(__file__).resolve().parents[2]


def test_chapter_00_runs_as_a_learner(learners):  # noqa: F811
    learner = learners()
    out = learner.home / "00.out.ipynb"
    learner.run(str(Path(sys.executable).parent / "jupyter"), "nbconvert", "--execute", "--to", "notebook",
                "--allow-errors", "--ExecutePreprocessor.timeout=180", "--output", str(out),
                str(REPO / "notebooks" / "00-start-here.ipynb"), timeout=600)
    cells = [c for c in json.loads(out.read_text())["cells"] if c["cell_type"] == "code"]
    errors = [(i, o["ename"], o["evalue"][:300]) for i, c in enumerate(cells) for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert cells and not errors, errors
    text = "".join("".join(o.get("text", "")) for c in cells for o in c.get("outputs", []))  # a str or a list of lines
    assert "rootless: your own engine" in text
    assert (learner.run_dir / "minidocker.sock").exists()  # the chapter used (and started) the learner's engine
