"""A class's grades: the table a teacher reads, the CSV a gradebook imports, one feedback file per learner
(cf. nbgrader's feedback and `nbgrader export` CSV)."""

from __future__ import annotations

import csv
from pathlib import Path

from minidocker.grade.autograde import Result

CSV_FIELDS = ["notebook", "exercise", "requirement", "points", "max_points", "message"]


def table(results: list[Result]) -> str:
    from minidocker.teach import table as make

    rows = []
    for r in results:
        failed = r.reason or ", ".join(row.requirement for row in r.rows if row.points < row.max_points) or "-"
        rows.append([r.notebook, r.exercise or "-", f"{r.points:g}/{r.max_points:g}", failed, f"{r.seconds:.1f}"])
    return str(make(["notebook", "exercise", "points", "failed requirements", "seconds"], rows))


def write_csv(results: list[Result], path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(CSV_FIELDS)
        for r in results:
            for row in r.rows:
                out.writerow([r.notebook, r.exercise, row.requirement, f"{row.points:g}", f"{row.max_points:g}",
                              row.message.replace("\n", " ")])
    tmp.replace(path)


def feedback(result: Result) -> str:
    lines = [f"# Feedback: {Path(result.notebook).name}", "",
             f"Exercise {result.exercise or '?'}: {result.points:g} of {result.max_points:g} points.", ""]
    if result.reason:
        lines += [f"Not graded normally: {result.reason}", ""]
    for row in result.rows:
        mark = "✔" if row.points >= row.max_points and not row.message else "✘"
        lines.append(f"{mark} {row.requirement} ({row.points:g}/{row.max_points:g})")
        lines += [f"    {line}" for line in row.message.splitlines()]
    return "\n".join(lines) + "\n"


def write_feedback(results: list[Result], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, r in enumerate(results):
        path = folder / f"{Path(r.notebook).stem}.feedback.txt"
        if path in written:
            path = folder / f"{Path(r.notebook).stem}-{i}.feedback.txt"
        path.write_text(feedback(r))
        written.append(path)
    return written
