"""notebooks/build.py: the .nb cell format and the generated contents page."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _build():
    spec = importlib.util.spec_from_file_location("nbbuild", ROOT / "notebooks" / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_parse_cells_and_anchors():
    cells = _build().parse("%% md\n# T\ntext\n%%\nx = 1\n\n%% md id=s1.3.2\n## two\n")
    assert cells == [("markdown", "# T\ntext", None), ("code", "x = 1", None), ("markdown", "## two", "s1.3.2")]


def test_every_source_section_maps_to_a_cell_of_chapters_00_03():
    build = _build()
    anchors = {}
    for src in sorted((ROOT / "notebooks" / "src").glob("*.nb")):
        for kind, text, anchor in build.parse(src.read_text()):
            if anchor:
                anchors[anchor] = src.name
    for sec, _ in build.SOURCE_SECTIONS:
        assert any(a == f"s{sec}" or a.startswith(f"s{sec}.") for a in anchors), sec


def test_nav_links():
    nav = _build().nav_cell("01-b.ipynb", ["00-a.ipynb", "01-b.ipynb", "02-c.ipynb"])
    assert "[← 00-a](00-a.ipynb)" in nav and "[02-c →](02-c.ipynb)" in nav and "(README.md)" in nav


def test_chapters_00_03_are_saved_executed():
    """nbval compares against saved outputs: a notebook saved unexecuted would pass without checking anything."""
    import nbformat

    for path in sorted((ROOT / "notebooks").glob("0[0-3]-*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(c.execution_count for c in code), f"{path.name} has unexecuted cells"
        assert any(c.outputs for c in code), path.name
