"""The teacher's pack: an answer for every question of every chapter, a row for every chapter, and a
cloud-init file that runs the README's two commands."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEACHER = ROOT / "teacher"


def _questions(src: Path) -> int:
    """How many numbered questions the chapter's "## Questions" section asks."""
    text = src.read_text().split("# ## Questions", 1)[1].split("# %%", 1)[0]
    return len(re.findall(r"^# \d+\. ", text, re.M))


def _chapter_sources() -> list[Path]:
    return sorted((ROOT / "notebooks" / ".build" / "src").glob("[0-9][0-9]-*.py"))


def test_every_chapters_questions_have_answers():
    answers = TEACHER.joinpath("answers.md").read_text()
    sections = dict(re.findall(r"^## (\d\d) · .*?\n(.*?)(?=^## |\Z)", answers, re.M | re.S))
    assert _chapter_sources()
    for src in _chapter_sources():
        asked = _questions(src)
        assert asked >= 3, src.name
        answered = re.findall(r"^(\d+)\. \*\*", sections.get(src.name[:2], ""), re.M)
        assert answered == [str(i) for i in range(1, asked + 1)], f"chapter {src.name}: {asked} questions, answers {answered}"


def test_every_chapter_has_a_row_of_needs():
    table = TEACHER.joinpath("chapters.md").read_text()
    for src in _chapter_sources():
        assert re.search(rf"^\| {src.name[:2]} ", table, re.M), src.name


def test_the_cloud_init_file_runs_the_readmes_two_commands_and_prints_the_url():
    data = yaml.safe_load(TEACHER.joinpath("cloud-init.yaml").read_text())
    script = "\n".join(f["content"] for f in data["write_files"])
    assert "./run-tests" in script and "./run-course" in script and "/etc/motd" in script
    assert data["runcmd"] == [[data["write_files"][0]["path"]]]
    for command in ("sudo ./run-course", "sudo ./run-tests"):
        assert command in ROOT.joinpath("README.md").read_text()


def test_every_chapter_ends_with_a_link_to_its_exercise():
    import nbformat

    for nb_path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        last = nbformat.read(nb_path, as_version=4).cells[-1]
        links = re.findall(r"\]\(\.\./exercises/([^/]+)/student\.ipynb\)", last.source)
        assert len(links) == 1 and links[0].startswith(nb_path.name[:3]), (nb_path.name, last.source)
        assert (ROOT / "exercises" / links[0] / "student.ipynb").exists()
