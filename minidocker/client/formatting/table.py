"""Aligned tables as Go's text/tabwriter lays them out for the docker CLI (cf. docker/cli cli/command/formatter/formatter.go).

docker builds each row as tab-separated cells and writes them through
tabwriter.NewWriter(out, minwidth=10, tabwidth=1, padding=3, ' ', 0): a column is as wide as its widest
cell (counted in characters) plus 3, at least 10; the last cell of a row is written as is.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Iterable, Sequence


def render(rows: Iterable[Sequence[str]], minwidth: int = 10, padding: int = 3) -> str:
    """The table as text, one line per row (header included by the caller), each ending in a newline."""
    rows = [[str(c) for c in row] for row in rows]
    if not rows:
        return ""
    ncols = max(len(r) for r in rows)
    widths = [0] * ncols
    for row in rows:
        for i, cell in enumerate(row[:-1]):  # the last cell of a row is not in a column
            widths[i] = max(widths[i], len(cell))
    widths = [max(minwidth, w + padding) for w in widths]
    out = []
    for row in rows:
        line = "".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])) + (row[-1] if row else "")
        out.append(line + "\n")
    return "".join(out)


def write(rows: Iterable[Sequence[str]], minwidth: int = 10, padding: int = 3) -> None:
    import sys

    sys.stdout.write(render(rows, minwidth, padding))
