"""`python -m minidocker.grade [--csv FILE] [--feedback DIR] [--timeout S] [-j N] NOTEBOOK|FOLDER...` grades
a class; `python -m minidocker.grade generate [--check]` writes (or checks) the learners' copies.

Exit codes: 0 every notebook graded, 1 some were bad input (0 points and the reason; the rest of the
class is graded all the same), 2 no notebooks or bad options."""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def _notebooks(args: list[str]) -> list[Path]:
    found = []
    for arg in args:
        p = Path(arg)
        found += sorted(q for q in p.rglob("*") if q.is_file() and not q.name.startswith(".")) if p.is_dir() else [p]
    return found


def generate(argv: list[str]) -> int:
    from minidocker.grade import generate as gen

    parser = argparse.ArgumentParser(prog="python -m minidocker.grade generate")
    parser.add_argument("--check", action="store_true", help="only say which generated files are stale (exit 1)")
    parser.add_argument("exercise", nargs="*", help="exercise ids (default: every master)")
    args = parser.parse_args(argv)
    if args.check:
        stale = gen.stale(args.exercise or None)
        for path in stale:
            print(f"stale: {path} (run python -m minidocker.grade generate)", file=sys.stderr)
        return 1 if stale else 0
    for path in gen.write(args.exercise or None):
        print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["generate"]:
        return generate(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m minidocker.grade", description="grade submitted exercise notebooks")
    parser.add_argument("notebooks", nargs="+", help="notebooks, or folders of them")
    parser.add_argument("--csv", type=Path, help="write one row per notebook and requirement")
    parser.add_argument("--feedback", type=Path, default=Path("feedback"), help="folder for one feedback file per notebook")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a notebook may take (default 600)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="notebooks graded at once (default 2)")
    args = parser.parse_args(argv)
    from minidocker.grade import autograde, report

    paths = _notebooks(args.notebooks)
    if not paths:
        print("minidocker.grade: no notebooks given", file=sys.stderr)
        return 2
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda p: autograde.grade(p, timeout=args.timeout), paths))
    print(report.table(results))
    if args.csv:
        report.write_csv(results, args.csv)
    report.write_feedback(results, args.feedback)
    bad = [r for r in results if r.reason]
    if bad:  # every notebook is graded and written down; the exit code still says some were bad input
        print(f"minidocker.grade: {len(bad)} of {len(results)} notebook(s) got 0 points for a reason (see the table)",
              file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
