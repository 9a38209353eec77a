"""Learners' copies from the masters: teacher/solutions/NN-slug.ipynb -> exercises/NN-slug/student.ipynb
and README.md, with nbgrader's own preprocessors (cf. nbgrader's GenerateAssignment: lock cells, clear
solutions to `# YOUR CODE HERE` / `raise NotImplementedError()`, clear outputs, checksums).

The one step left out is SaveCells (it writes nbgrader's gradebook database): `minidocker.grade` reads
the master itself when it grades. `python -m minidocker.grade generate [--check]`.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from minidocker.grade import catalog

FOOTER = """
## How to work

Open `student.ipynb` in JupyterLab (as root, with the engine up: `sudo ./run-course`), write your
code where it says `# YOUR CODE HERE` (delete the `raise NotImplementedError()` line), and run every
cell. Each check cell prints `✔ requirement N: ... (P points)` or fails with what is wrong and a hint.
Check the whole notebook from a terminal with

```bash
.venv/bin/python -m pytest --nbval-lax exercises/{id}/student.ipynb
```

which fails at the first requirement not met, and passes once all are. Your teacher grades the saved
notebook with `python -m minidocker.grade` (each in a fresh engine of its own): the check cells are
taken from the master, so editing them changes nothing.
"""


def student_copy(master: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The learner's notebook: nbgrader's generate_assignment pipeline (without its database) on a copy."""
    from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearMarkScheme, ClearOutput,
                                        ClearSolutions, ComputeChecksums, LockCells)

    nb = copy.deepcopy(master)
    resources: dict = {}
    for step in (LockCells, ClearSolutions, ClearOutput, CheckCellMetadata, ComputeChecksums,
                 ClearHiddenTests, ClearMarkScheme, ComputeChecksums, CheckCellMetadata):
        nb, resources = step().preprocess(nb, resources)
    for cell in nb.cells:  # no tags that would make nbval accept an error (raises-exception)
        cell.metadata.pop("tags", None)
        cell.metadata.pop("execution", None)
    return nb


def readme(master: nbformat.NotebookNode, exercise_id: str) -> str:
    """The task (the master's first Markdown cell) and how to work and check."""
    task = next(c.source for c in master.cells if c.cell_type == "markdown")
    return task.rstrip() + "\n" + FOOTER.format(id=exercise_id)


def outputs(exercise_id: str) -> dict[Path, str]:
    """The generated files of one exercise and their text."""
    master = nbformat.read(catalog.master_path(exercise_id), as_version=4)
    folder = catalog.EXERCISES / exercise_id
    return {folder / "student.ipynb": nbformat.writes(student_copy(master)) + "\n",
            folder / "README.md": readme(master, exercise_id)}


def index() -> dict[Path, str]:
    """exercises/README.md: every exercise, its chapter and its requirements."""
    from minidocker.grade.exercises import load

    lines = ["# Exercises", "", "One per chapter (`NN` is the chapter): open `NN-slug/student.ipynb`, write the answers where it",
             "says `# YOUR CODE HERE`, run the check cells. Each `README.md` says what to do; the checks run",
             "against the real engine (as root, the engine up). Generated from the masters by",
             "`python -m minidocker.grade generate`.", "", "| exercise | requirements (points) |", "|---|---|"]
    for ex_id in catalog.master_ids():
        ex = load(ex_id)
        reqs = "; ".join(f"{r.title} ({r.points})" for _, r in sorted(ex.requirements.items()))
        lines.append(f"| [{ex_id}]({ex_id}/README.md): {ex.title} | {reqs} |")
    return {catalog.EXERCISES / "README.md": "\n".join(lines) + "\n"}


def _all(exercise_ids: list[str] | None) -> dict[Path, str]:
    files = {path: text for ex in exercise_ids or catalog.master_ids() for path, text in outputs(ex).items()}
    return files if exercise_ids else {**files, **index()}


def stale(exercise_ids: list[str] | None = None) -> list[Path]:
    """Generated files that are missing or differ from what the masters give now."""
    return [path for path, text in _all(exercise_ids).items() if not path.exists() or path.read_text() != text]


def write(exercise_ids: list[str] | None = None) -> list[Path]:
    """Write every learner's copy (default: of every master); return the files that changed."""
    changed = []
    for path, text in _all(exercise_ids).items():
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(text)
            tmp.replace(path)
            changed.append(path)
    return changed
