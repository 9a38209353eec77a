"""Where the exercises live: the masters (teacher/solutions/NN-slug.ipynb) and the learners' copies
(exercises/NN-slug/), beside the package in the course's repository."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MASTERS = REPO / "teacher" / "solutions"
EXERCISES = REPO / "exercises"


def master_path(exercise_id: str) -> Path:
    return MASTERS / f"{exercise_id}.ipynb"


def master_ids() -> list[str]:
    """Every exercise with a master, in chapter order."""
    return sorted(p.stem for p in MASTERS.glob("[0-9][0-9]-*.ipynb"))
