"""Grade one submitted notebook in an engine of its own (cf. nbgrader's autograde: test cells restored
from the master, the notebook run to the end, a test cell's points earned when it raised nothing).

Each notebook runs under a private MINIDOCKER_ROOT / MINIDOCKER_COURSE_ROOT, in a process of its own
with a time limit; afterwards the grader lists the containers left behind and resets the roots
(minidocker.course.reset: processes, the kernel included, mounts, cgroups, bridge). Bad input (not a
notebook, not an exercise, a hang, a dead kernel, containers left behind) gets 0 points and the reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from minidocker import course, paths
from minidocker.grade import catalog
from minidocker.grade.execute import DEAD_KERNEL

GRADE_ROOT = "/var/lib/minidocker-grade"  # where the private engine roots go ($MINIDOCKER_GRADE_ROOT)


def grade_root() -> Path:
    """$MINIDOCKER_GRADE_ROOT, else root's /var/lib/minidocker-grade, or for an ordinary user (a learner grading
    their own work with their rootless engine) beside their engine's state, as the course's chapter engines."""
    value = os.environ.get("MINIDOCKER_GRADE_ROOT")
    if value:
        return Path(value)
    return paths.state_dir().parent / "minidocker-grade" if paths.rootless() else Path(GRADE_ROOT)


@dataclass
class Row:
    requirement: str
    points: float
    max_points: float
    message: str = ""


@dataclass
class Result:
    notebook: str
    exercise: str = ""
    rows: list[Row] = field(default_factory=list)
    reason: str = ""  # why the whole notebook got 0 points, if it did
    seconds: float = 0.0

    @property
    def points(self) -> float:
        return sum(r.points for r in self.rows)

    @property
    def max_points(self) -> float:
        return sum(r.max_points for r in self.rows)


class BadSubmission(Exception):
    """A notebook that cannot be graded at all (the message is the reason, one line)."""


def graded_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade") and c.cell_type == "code"]


def _grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def load(path: Path) -> tuple[str, nbformat.NotebookNode, nbformat.NotebookNode]:
    """(exercise id, the submission with its locked cells restored from the master, the master)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one reason
        raise BadSubmission(f"not a readable notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''})")
    exercise = (nb.metadata.get("minidocker") or {}).get("exercise")
    if not exercise:
        raise BadSubmission("not an exercise (its metadata has no minidocker.exercise)")
    master_path = catalog.master_path(exercise)
    if not master_path.exists():
        raise BadSubmission(f"unknown exercise {exercise!r} (no master teacher/solutions/{exercise}.ipynb)")
    master = nbformat.read(master_path, as_version=4)
    locked = {_grade_id(c): c for c in master.cells if c.metadata.get("nbgrader", {}).get("locked")}
    for i, cell in enumerate(nb.cells):  # nbgrader's OverwriteCells: the learner cannot change a check
        mine = locked.get(_grade_id(cell))
        if mine is not None:
            nb.cells[i] = nbformat.from_dict(dict(mine, outputs=[], execution_count=None) if mine.cell_type == "code" else dict(mine))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return exercise, nb, master


def _message(cell: nbformat.NotebookNode | None) -> str | None:
    """None if the cell ran without error, else its error in one or two lines."""
    if cell is None:
        return "its check cell is missing from the notebook"
    if cell.get("execution_count") is None and not cell.get("outputs"):
        return "its check cell did not run"
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            text = str(out.get("evalue", "")).strip()
            return text if out.get("ename") == "AssertionError" and text else f"{out.get('ename')}: {text}"
    return None


def leftovers(root: Path) -> list[str]:
    """Containers (running or not) still in the engine at root, if one was started there.

    No quick /_ping first: a daemon busy on a loaded machine may take seconds to answer, and a missed
    answer would hide the containers; `ps` is asked up to three times instead."""
    from minidocker import teach

    eng = teach.Engine(root, teach._socket_for(root))
    for _ in range(3):
        if not eng.socket.exists():
            return []
        code, out = eng.status("ps", "-a", "--format", "{{.Names}}")
        if code == 0:
            return out.split()
        time.sleep(1)
    return []


def _run(merged: Path, out: Path, root: Path, timeout: float) -> tuple[int | None, str]:
    """Execute in a child process under its own engine roots; (exit code or None on timeout, its stderr).

    stderr goes to a file, not a pipe: the kernel inherits it and may outlive a killed child."""
    env = dict(os.environ, MINIDOCKER_ROOT=str(root / "system"), MINIDOCKER_COURSE_ROOT=str(root / "course"),
               PYTHONDONTWRITEBYTECODE="1")
    log = merged.parent / "execute.log"
    with open(log, "w") as err:
        child = subprocess.Popen([sys.executable, "-m", "minidocker.grade.execute", str(merged), str(out), str(timeout)],
                                 env=env, cwd=merged.parent, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=err, start_new_session=True)
        try:
            code: int | None = child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            code = None
    return code, log.read_text(errors="replace")


def grade(path: Path, timeout: float = 600.0, base: Path | None = None) -> Result:
    """Grade one notebook; never raises for bad input (it becomes the result's reason)."""
    started = time.monotonic()
    result = Result(notebook=str(path))
    try:
        result.exercise, nb, master = load(path)
    except BadSubmission as exc:
        result.reason = str(exc)
        result.rows = [Row("-", 0, 0, result.reason)]
        return result
    base = Path(base or grade_root())
    base.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="g-", dir=base))
    work = root / "work"
    work.mkdir()
    merged, executed = work / "submission.ipynb", work / "executed.ipynb"
    nbformat.write(nb, merged)
    try:
        code, err = _run(merged, executed, root, timeout)
        left = leftovers(root / "system")
    finally:
        for sub in ("course", "system"):
            course.reset(root / sub)
        ran = nbformat.read(executed, as_version=4) if executed.exists() else None
        shutil.rmtree(root, ignore_errors=True)
    if code is None:
        result.reason = f"did not finish within {timeout:.0f} s (stopped)"
    elif code == DEAD_KERNEL or ran is None:
        result.reason = err.strip().splitlines()[-1] if err.strip() else f"the notebook could not be run (exit {code})"
    elif left:
        result.reason = f"left {len(left)} container(s) behind ({', '.join(left[:3])}): clean up what you start"
    done = {_grade_id(c): c for c in graded_cells(ran)} if ran is not None else {}
    for cell in graded_cells(master):
        gid, points = _grade_id(cell), float(cell.metadata["nbgrader"].get("points", 0))
        wrong = _message(done.get(gid)) if ran is not None else result.reason
        earned = 0.0 if wrong else points
        if result.reason:
            wrong = result.reason + (f" (would have earned {earned:g})" if ran is not None and code == 0 else "")
            earned = 0.0
        result.rows.append(Row(gid, earned, points, wrong or ""))
    result.seconds = time.monotonic() - started
    return result
