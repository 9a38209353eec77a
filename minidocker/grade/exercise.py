"""An exercise and its graded requirements, as the test cells of an nbgrader notebook call them
(cf. nbgrader's autograded test cells: a cell passes unless it raises; its points come from the cell's
`nbgrader.points`).

A graded cell is one line, `ex.check(N, answer...)`: the first call runs `collect` once (it sets up
the scenario on the real engine, calls the learner's functions, reads the engine's state, and cleans
up), then requirement N judges what was collected and prints `✔ requirement N: ... (P points)` or
raises AssertionError saying what is wrong and giving a hint.
"""

from __future__ import annotations

import inspect
import os
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Requirement:
    number: int
    title: str
    points: int
    hint: str
    judge: Callable[["Facts"], str | None]  # None when met, else what is wrong
    uses: tuple[str, ...] = ()  # the learner's functions it needs (their errors fail it)


@dataclass
class Facts:
    """What `collect` saw: values read from the engine, and errors the learner's functions raised."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    not_here: str = ""  # why this engine cannot run the exercise at all (a learner's rootless engine without limits)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def call(self, name: str, fn: Callable[..., Any], *args: Any) -> Any:
        """Call a learner's function; remember what it raised (as one line) instead of raising."""
        try:
            return fn(*args)
        except NotImplementedError:
            self.errors.setdefault(name, f"{name}() is not written yet (it raises NotImplementedError)")
        except Exception as exc:  # noqa: BLE001 - any mistake in the learner's code is a finding
            last = traceback.extract_tb(exc.__traceback__)[-1]
            self.errors.setdefault(name, f"{name}() raised {type(exc).__name__}: {exc} (line {last.lineno})")
        return None


class Exercise:
    """One exercise: its id ("05-find-the-shim"), its requirements, and how to collect the facts."""

    def __init__(self, exercise_id: str, title: str) -> None:
        self.id = exercise_id
        self.title = title
        self.requirements: dict[int, Requirement] = {}
        self._collect: Callable[..., Facts] | None = None
        self._cache: tuple[tuple[int, ...], list[Any], Facts] | None = None

    # ---- declaring ----
    def requirement(self, number: int, title: str, points: int, hint: str, uses: tuple[str, ...] = ()):
        def add(judge: Callable[[Facts], str | None]) -> Callable[[Facts], str | None]:
            self.requirements[number] = Requirement(number, title, points, hint, judge, uses)
            return judge
        return add

    def collector(self, fn: Callable[..., Facts]) -> Callable[..., Facts]:
        self._collect = fn
        return fn

    # ---- used by the notebook ----
    def engine(self):
        """The engine the exercise runs against: $MINIDOCKER_ROOT's (private when graded), else the system one."""
        from minidocker import teach

        return teach.engine(timeout=120)  # a busy grading machine may take a while to start it

    def facts(self, *answer: Any) -> Facts:
        """Collect once per set of answers (re-running a solution cell makes new functions: collect again).

        When every answer is still nbgrader's stub, nothing is set up on the engine: each is "not written yet"."""
        key = tuple(id(a) for a in answer)
        if self._cache is None or self._cache[0] != key:
            assert self._collect is not None, f"exercise {self.id} has no collector"
            names = list(inspect.signature(self._collect).parameters)
            if answer and all(map(is_stub, answer)):
                facts = Facts(errors={n: f"{n}() is not written yet (it raises NotImplementedError)" for n in names})
            else:
                facts = self._collect(*answer)
            self._cache = (key, list(answer), facts)
        return self._cache[2]

    def check(self, number: int, *answer: Any) -> None:
        """Judge requirement `number`: print ✔ with its points, or raise AssertionError with what is wrong and a hint."""
        req = self.requirements[number]
        facts = self.facts(*answer)
        wrong = next((facts.errors[u] for u in req.uses if u in facts.errors), None)
        if not wrong and facts.not_here:
            # Said, not passed off as a check: grading runs under root's engine, where it never happens.
            print(f"- requirement {number} not checked on this engine: {facts.not_here}")
            return
        wrong = wrong or req.judge(facts)
        if wrong:
            raise AssertionError(f"requirement {number} ({req.title}): {wrong}\nhint: {req.hint}")
        print(f"✔ requirement {number}: {req.title} ({req.points} point{'s' if req.points != 1 else ''})")

    @property
    def max_points(self) -> int:
        return sum(r.points for r in self.requirements.values())


def is_stub(fn: Any) -> bool:
    """True for a function whose body is still nbgrader's `# YOUR CODE HERE` / `raise NotImplementedError()`."""
    try:
        lines = inspect.getsource(fn).splitlines()[1:]
    except (OSError, TypeError):
        return False
    body = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    return body == ["raise NotImplementedError()"]


def unique(prefix: str) -> str:
    """A name for this notebook kernel only: a learner's copy and the master may run side by side."""
    return f"{prefix}-{os.getpid()}"
