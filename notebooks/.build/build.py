"""Build the chapter notebooks from their jupytext sources, keeping saved outputs: `python notebooks/.build/build.py`.

The sources are `notebooks/.build/src/NN-name.py` in jupytext's percent format (`# %%` a code cell,
`# %% [markdown]` a Markdown cell; `# %% tags=["nbval-ignore-output"]` marks a cell whose output nbval
must not compare). JupyterLab opens them as notebooks (right click > Open With > Jupytext Notebook;
`.build` is a hidden folder: View > Show Hidden Files). Jupytext does the conversion and keeps the
outputs of every cell whose input did not change (as `jupytext --update`); this script adds only what
jupytext does not do:
- the prev/next links cell at the end of every chapter,
- the contents page `notebooks/README.md`, with the table mapping the source document's sections to
  the cell that shows them live (a Markdown cell's metadata `anchor="s1.3.2"` anchors it and becomes
  its cell id `s1-3-2`; `anchor="s1.3.4/official-images"` names a part of a section shown elsewhere;
  the table points at the first code cell after it, the live one).
A chapter whose cells changed must then be executed in place (as root) and committed with its outputs:
    .venv/bin/jupyter nbconvert --to notebook --execute --inplace notebooks/NN-name.ipynb
`--check` builds nothing and exits 1 if a notebook is not what its source builds (tests use it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jupytext
import nbformat
from jupytext.combine import combine_inputs_with_outputs

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
NOTEBOOKS = HERE.parent
FORMAT = "py:percent"
SOURCE_SECTIONS = [  # (section of the source document, its title)
    ("1.1", "课程引入: dev, test, ops, DevOps"), ("1.2", "Docker的简介: what Docker is"),
    ("1.3", "Docker 的用途: what it is for"), ("1.4", "容器与虚拟机的区别: containers vs VMs"),
    ("1.5", "Windows系统虚拟化: Hyper-V"), ("1.6", "Docker 系统架构: system architecture"),
    ("2.1", "Docker 引擎架构: the engine"),
]
CELL_METADATA = "tags,anchor,-all"  # what a source carries of a cell's metadata (as src/jupytext.toml)
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def sources() -> list[Path]:
    """Every chapter source, in order."""
    return sorted(SRC.glob("[0-9][0-9]-*.py"))


def title_of(nb: nbformat.NotebookNode, default: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return default


def nav_cell(name: str, order: list[str]) -> str:
    i = order.index(name)
    prev = f"[← {order[i - 1][:-6]}]({order[i - 1]}) | " if i > 0 else ""
    nxt = f" | [{order[i + 1][:-6]} →]({order[i + 1]})" if i + 1 < len(order) else ""
    return f"---\n{prev}[contents](README.md){nxt}"


def anchors_of(nb: nbformat.NotebookNode, name: str) -> dict[str, tuple[str, int, str]]:
    """section -> (notebook, 1-based number of the live cell, heading of its anchor)."""
    anchors, pending = {}, []
    for number, cell in enumerate(nb.cells, 1):
        anchor = str(cell.metadata.get("anchor", ""))
        if anchor.startswith("s"):  # s1.3.4, or s1.3.4/what for a second cell showing part of a section
            section = anchor[1:]
            heading = next((l.lstrip("#* ").strip() for l in cell.source.splitlines() if l.startswith("#")), "")
            pending.append((section, heading))
        if cell.cell_type == "code":
            anchors.update((key, (name, number, heading)) for key, heading in pending)
            pending = []
    return anchors


def code_of(source: str) -> str:
    """A code cell's code without its comment and blank lines: what its outputs depend on."""
    return "\n".join(l for l in source.splitlines() if l.strip() and not l.lstrip().startswith("#"))


def build(src: Path, order: list[str]) -> nbformat.NotebookNode:
    """The chapter notebook of one source: its cells, the links cell, and the saved outputs of every
    unchanged cell of the notebook already on disk."""
    name = src.stem + ".ipynb"
    nb = jupytext.read(src, fmt=FORMAT)
    nb.metadata["jupytext"] = {"cell_metadata_filter": CELL_METADATA}  # the rest of a cell's metadata is kept
    nb.cells.append(nbformat.v4.new_markdown_cell(nav_cell(name, order)))
    for cell in nb.cells:
        if cell.metadata.get("anchor"):  # a stable cell id too, so links to the anchor survive rebuilds
            cell.id = re.sub(r"[^A-Za-z0-9_-]", "-", str(cell.metadata["anchor"]))
    old_path = NOTEBOOKS / name
    if old_path.exists():
        old = nbformat.read(old_path, as_version=4)
        nb = combine_inputs_with_outputs(nb, old, fmt=FORMAT)
        ran = {code_of(c.source) for c in old.cells if c.cell_type == "code"}
        for cell in nb.cells:  # jupytext pairs a changed cell with the old one's outputs: those are stale
            if cell.cell_type == "code" and code_of(cell.source) not in ran:
                cell.outputs, cell.execution_count = [], None
    else:
        nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    nb.metadata.pop("jupytext", None)
    return nb


def readme(chapters: list[tuple[str, nbformat.NotebookNode]]) -> str:
    lines = ["# The minidocker course", "",
             "Every cell runs against a live engine and a live kernel; run the chapters in order, as root.",
             "The source document is *Docker for beginner* (`docker-for-beginner.md`, in Chinese); the chapters",
             "follow its order in English, with its key terms in Chinese on first use.", "",
             "Each chapter: motivation; how Docker does it (a live diagram); our version (the real source,",
             "`teach.show_source`); short experiments; recap; questions.", "",
             "## Contents", ""]
    anchors: dict[str, tuple[str, int, str]] = {}
    for name, nb in chapters:
        lines.append(f"- [{name[:-6]}]({name}): {title_of(nb, name[:-6])}")
        anchors.update(anchors_of(nb, name))
    lines += ["", "## Where each section of the source document is shown live", "",
              "| source § | topic | chapter | live cell |", "|---|---|---|---|"]
    for sec, topic in SOURCE_SECTIONS:
        hits = sorted((k, v) for k, v in anchors.items() if k.partition("/")[0] == sec or k.startswith(f"{sec}."))
        for key, (nb, cell, heading) in hits:
            number, _, part = key.partition("/")
            label = f"{number} ({part.replace('-', ' ')})" if part else number
            lines.append(f"| {label} | {topic} | [{nb[:-6]}]({nb}) | cell {cell}, under *{heading}* |")
            topic = "〃"
    lines += ["", "Cells are numbered from the top of each notebook, Markdown cells included. Sections 1.6 and",
              "2.1 are taken further, live, in chapters 04 and 05; chapters 06-09 follow the source",
              "document's later parts (runc, image and container commands, building images).", "",
              "Exercises: `../exercises/` (each with a student notebook, a solution and its checks).",
              "Figures: `../diagrams/`, regenerated from a live engine by",
              "`.venv/bin/python -m minidocker.observe.diagrams diagrams/`.", "",
              "For teachers: the chapters are written as jupytext sources in the hidden folder `.build/src/`",
              "(JupyterLab: View > Show Hidden Files, then Open With > Jupytext Notebook) and built with",
              "`.venv/bin/python notebooks/.build/build.py`; see that script's docstring.", ""]
    return "\n".join(lines)


def unexecuted(nb: nbformat.NotebookNode) -> bool:
    return any(c.cell_type == "code" and c.source.strip() and not c.execution_count for c in nb.cells)


def main(argv: list[str] | None = None) -> int:
    """Rebuild every chapter from its source (outputs kept) and write README.md; --check only compares."""
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    srcs = sources()
    order = [s.stem + ".ipynb" for s in srcs]
    built = [(s.stem + ".ipynb", build(s, order)) for s in srcs]
    stale = []
    for name, nb in built:
        path = NOTEBOOKS / name
        if not path.exists() or nbformat.read(path, as_version=4) != nb:
            stale.append(name)
            if not check:
                nbformat.write(nb, path)
    text = readme(built)
    if (NOTEBOOKS / "README.md").read_text() != text:
        stale.append("README.md")
        if not check:
            (NOTEBOOKS / "README.md").write_text(text)
    todo = [name for name, nb in built if unexecuted(nb)]
    if check:
        for name in stale:
            print(f"build.py: {name} differs from what notebooks/.build/src builds", file=sys.stderr)
        return 1 if stale else 0
    print(f"written: {', '.join(stale) or 'nothing (all up to date)'}", file=sys.stderr)
    if todo:
        print("cells without outputs; execute (as root):\n"
              + "".join(f"  .venv/bin/jupyter nbconvert --to notebook --execute --inplace notebooks/{n}\n" for n in todo),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
