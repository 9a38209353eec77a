"""Build chapter notebooks (and the contents page) from notebooks/src/*.nb: `python notebooks/build.py [NAME...]`.

With no NAME, only chapters whose .nb source is newer than their notebook are rebuilt (rebuilding
drops a notebook's outputs); `--all` rebuilds every one. Every other chapter only gets its prev/next
links refreshed, outputs kept.

A .nb file is a list of cells: a line `%% md` starts a Markdown cell, `%%` a code cell; `%% md id=s1.3.2`
also anchors the cell so that README.md's table can point at it. The builder adds prev/next links and
writes notebooks without outputs; then execute them in place (as root, with the engine up):
    .venv/bin/jupyter nbconvert --to notebook --execute --inplace notebooks/0[0-3]-*.ipynb
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOURCE_SECTIONS = [  # (section of the source document, its title)
    ("1.1", "课程引入: dev, test, ops, DevOps"), ("1.2", "Docker的简介: what Docker is"),
    ("1.3", "Docker 的用途: what it is for"), ("1.4", "容器与虚拟机的区别: containers vs VMs"),
    ("1.5", "Windows系统虚拟化: Hyper-V"), ("1.6", "Docker 系统架构: system architecture"),
    ("2.1", "Docker 引擎架构: the engine"),
]


def parse(text: str) -> list[tuple[str, str, str | None]]:
    """(kind, source, anchor) for each cell of a .nb file."""
    cells: list[tuple[str, str, str | None]] = []
    kind, anchor, lines = None, None, []
    for line in text.splitlines() + ["%% end"]:
        m = re.fullmatch(r"%%( md| end)?(?: id=(\S+))?", line.rstrip())
        if m:
            if kind:
                cells.append((kind, "\n".join(lines).strip("\n"), anchor))
            kind = {" md": "markdown", " end": None, None: "code"}[m.group(1)]
            anchor, lines = m.group(2), []
        else:
            lines.append(line)
    return cells


def chapters() -> list[Path]:
    """Every chapter notebook, in order (00-..., 01-..., whoever wrote it)."""
    return sorted(HERE.glob("[0-9][0-9]-*.ipynb"))


def title_of(nb_path: Path) -> str:
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return nb_path.stem


def nav_cell(name: str, order: list[str]) -> str:
    i = order.index(name)
    prev = f"[← {order[i - 1][:-6]}]({order[i - 1]}) | " if i > 0 else ""
    nxt = f" | [{order[i + 1][:-6]} →]({order[i + 1]})" if i + 1 < len(order) else ""
    return f"---\n{prev}[contents](README.md){nxt}"


def build_chapter(src: Path, order: list[str], write: bool = True) -> dict[str, tuple[str, int, str]]:
    """Write one notebook (if write); return anchor -> (notebook, 1-based number of the live cell, its heading)."""
    name = src.stem + ".ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
                   "language_info": {"name": "python"}}
    anchors, pending = {}, []
    for kind, text, anchor in parse(src.read_text()):
        cell = nbformat.v4.new_markdown_cell(text) if kind == "markdown" else nbformat.v4.new_code_cell(text)
        if anchor:
            cell.id = anchor.replace(".", "-")
            heading = next((l.lstrip("#* ").strip() for l in text.splitlines() if l.startswith("#")), "")
            pending.append((anchor, heading))
        nb.cells.append(cell)
        if kind == "code":  # an anchor points at the first code cell after its heading: the live one
            for key, heading in pending:
                anchors[key] = (name, len(nb.cells), heading)
            pending = []
    nb.cells.append(nbformat.v4.new_markdown_cell(nav_cell(name, order)))
    if write:
        nbformat.write(nb, HERE / name)
    return anchors


def refresh_nav(path: Path, order: list[str]) -> None:
    """Rewrite only the prev/next cell of an executed notebook (its outputs stay)."""
    nb = nbformat.read(path, as_version=4)
    cell = nb.cells[-1] if nb.cells else None
    text = nav_cell(path.name, order)
    if cell is not None and cell.cell_type == "markdown" and cell.source.startswith("---\n") and cell.source != text:
        cell.source = text
        nbformat.write(nb, path)


def stale(src: Path) -> bool:
    """A notebook needs building when its .nb source is newer than it (building drops its outputs)."""
    out = HERE / (src.stem + ".ipynb")
    return not out.exists() or src.stat().st_mtime > out.stat().st_mtime


def readme(anchors: dict[str, tuple[str, int, str]]) -> str:
    lines = ["# The minidocker course", "",
             "Every cell runs against a live engine and a live kernel; run the chapters in order, as root.",
             "The source document is *Docker for beginner* (`docker-for-beginner.md`, in Chinese); the chapters",
             "follow its order in English, with its key terms in Chinese on first use.", "",
             "Each chapter: motivation; how Docker does it (a live diagram); our version (the real source,",
             "`teach.show_source`); short experiments; recap; questions. Chapters are written as",
             "`src/NN-name.nb` and built with `python notebooks/build.py NN-name`, then executed in place.", "",
             "## Contents", ""]
    for nb in chapters():
        lines.append(f"- [{nb.stem}]({nb.name}): {title_of(nb)}")
    lines += ["", "## Where each section of the source document is shown live", "",
              "| source § | topic | chapter | live cell |", "|---|---|---|---|"]
    for sec, topic in SOURCE_SECTIONS:
        hits = sorted((k, v) for k, v in anchors.items() if k == f"s{sec}" or k.startswith(f"s{sec}."))
        for key, (nb, cell, heading) in hits:
            lines.append(f"| {key[1:]} | {topic} | [{nb[:-6]}]({nb}) | cell {cell}, under *{heading}* |")
            topic = "〃"
    lines += ["", "Cells are numbered from the top of each notebook, Markdown cells included. Sections 1.6 and",
              "2.1 are taken further, live, in chapters 04 and 05; chapters 06-09 follow the source",
              "document's later parts (runc, image and container commands, building images).", "",
              "Exercises: `../exercises/` (each with a student notebook, a solution and its checks).",
              "Figures: `../diagrams/`, regenerated from a live engine by",
              "`.venv/bin/python -m minidocker.observe.diagrams diagrams/`.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build the chapters named on the command line (or, by default, those whose source changed),
    refresh every other one's prev/next links, and write README.md."""
    args = sys.argv[1:] if argv is None else argv
    srcs = sorted((HERE / "src").glob("*.nb"))
    order = sorted({p.name for p in chapters()} | {s.stem + ".ipynb" for s in srcs})
    wanted = {a.removesuffix(".nb").removesuffix(".ipynb").split("/")[-1] for a in args if a != "--all"}
    anchors: dict[str, tuple[str, int, str]] = {}
    built = []
    for src in srcs:
        write = "--all" in args or src.stem in wanted or (not wanted and stale(src))
        anchors.update(build_chapter(src, order, write))
        if write:
            built.append(src.stem)
    for nb in chapters():
        if nb.stem not in built:
            refresh_nav(nb, order)
    (HERE / "README.md").write_text(readme(anchors))
    print(f"built {', '.join(built) or 'nothing (sources unchanged)'}; README.md written; now execute:\n"
          + "".join(f"  .venv/bin/jupyter nbconvert --to notebook --execute --inplace notebooks/{b}.ipynb\n" for b in built),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
