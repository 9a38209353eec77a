"""notebooks/.build/build.py: chapters built from their jupytext sources, outputs kept, and the contents page."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]


def _build():
    spec = importlib.util.spec_from_file_location("nbbuild", ROOT / "notebooks" / ".build" / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_source_section_maps_to_a_live_cell():
    build = _build()
    anchors = {}
    order = [s.stem + ".ipynb" for s in build.sources()]
    for src in build.sources():
        anchors.update(build.anchors_of(build.build(src, order), src.stem + ".ipynb"))
    for sec, _ in build.SOURCE_SECTIONS:
        assert any(a == sec or a.startswith(f"{sec}.") for a in anchors), sec
    for name, number, _ in anchors.values():  # each points at a code cell
        nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        assert nb.cells[number - 1].cell_type == "code", (name, number)


def test_every_chapter_has_a_source_and_is_what_it_builds():
    """A chapter edited only as .ipynb (or a source not rebuilt) would drift from its source."""
    build = _build()
    assert {s.stem for s in build.sources()} == {p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")}
    assert build.main(["--check"]) == 0


def test_rebuild_keeps_outputs_of_unchanged_cells_and_drops_changed_ones(tmp_path, monkeypatch):
    build = _build()
    src = tmp_path / "src" / "01-x.py"
    src.parent.mkdir()
    src.write_text('# %% [markdown] anchor="s1.1"\n# # 01 · X\n\n# %%\nprint(1)\n\n# %%\nprint(2)\n')
    monkeypatch.setattr(build, "NOTEBOOKS", tmp_path)
    nb = build.build(src, ["01-x.ipynb"])
    for cell, text in zip(nb.cells[1:3], ("1\n", "2\n")):
        cell.execution_count = 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    nbformat.write(nb, tmp_path / "01-x.ipynb")
    src.write_text(src.read_text().replace("print(2)", "print(3)"))
    again = build.build(src, ["01-x.ipynb"])
    assert again.cells[1].outputs[0].text == "1\n" and again.cells[1].execution_count == 1
    assert again.cells[2].source == "print(3)" and not again.cells[2].outputs
    assert again.cells[0].id == "s1-1" and again.cells[-1].source.startswith("---\n")
    assert build.anchors_of(again, "01-x.ipynb") == {"1.1": ("01-x.ipynb", 2, "01 · X")}


def test_nav_links():
    nav = _build().nav_cell("01-b.ipynb", ["00-a.ipynb", "01-b.ipynb", "02-c.ipynb"])
    assert "[← 00-a](00-a.ipynb)" in nav and "[02-c →](02-c.ipynb)" in nav and "(README.md)" in nav


def test_nbval_markers_are_tags_not_comments():
    for src in _build().sources():
        assert "NBVAL_" not in src.read_text(), src.name


def test_chapters_are_saved_executed():
    """nbval compares against saved outputs: a notebook saved unexecuted would pass without checking anything."""
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(c.execution_count for c in code), f"{path.name} has unexecuted cells"
        assert any(c.outputs for c in code), path.name
