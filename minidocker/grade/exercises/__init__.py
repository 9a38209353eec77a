"""The course's exercises, one module per chapter: exNN_slug.py defines EXERCISE (id "NN-slug")."""

from __future__ import annotations

import importlib
import pkgutil

from minidocker.grade.exercise import Exercise


def load(exercise_id: str) -> Exercise:
    """The exercise "NN-slug" (raises KeyError for an unknown id)."""
    module = "ex" + exercise_id.replace("-", "_")
    if not module[2:4].isdigit() or module not in {m.name for m in pkgutil.iter_modules(__path__)}:
        raise KeyError(exercise_id)
    return importlib.import_module(f"{__name__}.{module}").EXERCISE


def all_ids() -> list[str]:
    """Every exercise id, in chapter order."""
    return sorted(m.name[2:].replace("_", "-") for m in pkgutil.iter_modules(__path__) if m.name.startswith("ex"))
