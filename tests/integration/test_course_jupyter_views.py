"""The course's JupyterLab as learners and teachers get it (scripts/jupyter.sh, a real server on loopback).

Learners: the contents API and /files/ serve notebooks/, exercises/ and diagrams/ alone (never teacher/solutions, by
any spelling of the path), the root lists just those, notebooks open and save, nbgrader is off.
Teachers (`--teacher`): the whole repository and nbgrader's formgrader.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = next(p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "teacher/solutions").glob("*.ipynb")))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def status(self, path: str, method: str = "GET", body: dict | None = None) -> tuple[int, bytes]:
        sep = "&" if "?" in path else "?"
        req = urllib.request.Request(f"{self.base}/{path}{sep}token={self.token}", method=method,
                                     data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()


@pytest.fixture
def lab_factory(tmp_path):
    started = []

    def start(*args: str) -> Lab:
        port = _free_port()
        env = dict(os.environ, MINIDOCKER_ROOT=str(tmp_path), MINIDOCKER_COURSE_PORT=str(port))
        env.pop("JUPYTER_CONFIG_PATH", None)
        started.append(env)
        out = subprocess.run([str(ROOT / "scripts/jupyter.sh"), *args], env=env, capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, out.stderr + out.stdout
        return Lab(f"http://127.0.0.1:{port}", (tmp_path / "lib/jupyterlab.token").read_text().strip())

    yield start
    for env in started:
        subprocess.run([str(ROOT / "scripts/jupyter.sh"), "stop"], env=env, capture_output=True, timeout=60)


def _disabled_extensions(lab: Lab) -> str:
    code, page = lab.status("lab")
    assert code == 200
    found = re.search(r'"disabledExtensions": \[([^\]]*)\]', page.decode())
    assert found, "no page config in /lab"
    return found.group(1)


def test_learners_reach_only_the_notebooks_and_the_exercises(lab_factory, tmp_path):
    lab = lab_factory()
    code, body = lab.status("api/contents")
    assert code == 200
    assert sorted(e["name"] for e in json.loads(body)["content"]) == ["diagrams", "exercises", "notebooks"]
    for path in ("teacher", "teacher/solutions", SOLUTION, "notebooks/../" + SOLUTION, "notebooks/%2e%2e/" + SOLUTION,
                 "tests", "minidocker/course.py", "README.md"):
        assert lab.status(f"api/contents/{path}")[0] == 404, path
        assert lab.status(f"files/{path}")[0] == 404, path
        assert lab.status(f"api/contents/{path}/checkpoints", method="POST")[0] == 404, path
    # No way around it by renaming or copying a solution into the learner's folders.
    before = sorted(p.name for p in (ROOT / "notebooks").iterdir())
    assert lab.status("api/contents/notebooks", method="POST", body={"copy_from": SOLUTION})[0] == 404
    assert lab.status(f"api/contents/{SOLUTION}", method="PATCH", body={"path": "notebooks/moved.ipynb"})[0] == 404
    assert sorted(p.name for p in (ROOT / "notebooks").iterdir()) == before and (ROOT / SOLUTION).exists()
    # What learners need still works: a chapter, an exercise, their files, saving a new notebook.
    code, body = lab.status("api/contents/notebooks/00-start-here.ipynb")
    assert code == 200 and json.loads(body)["type"] == "notebook"
    assert lab.status("files/exercises/README.md")[0] == 200
    exercise = next(p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "exercises").glob("*/student.ipynb")))
    assert lab.status(f"api/contents/{exercise}")[0] == 200
    # nbgrader is the teacher's: its lab extension disabled, its formgrader not served.
    assert "@jupyter/nbgrader" in _disabled_extensions(lab)
    assert lab.status("formgrader")[0] == 404


LINK = re.compile(r"\]\(([^)\s]+)\)")


def _relative_links(page: Path) -> set[str]:
    """The relative links of a chapter's or an exercise's Markdown, as paths from the root."""
    if page.suffix == ".ipynb":
        text = "\n".join("".join(c["source"]) for c in json.loads(page.read_text())["cells"] if c["cell_type"] == "markdown")
    else:
        text = page.read_text()
    links = set()
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:|#", target):
            continue
        rel = (page.parent / target.split("#")[0]).resolve().relative_to(ROOT).as_posix()
        links.add(rel)
    return links


def test_every_link_of_the_chapters_and_exercises_opens_for_a_learner(lab_factory):
    """The chapters' links to their exercises (and the exercises' READMEs) reach files the learner may open."""
    pages = sorted(ROOT.glob("notebooks/*.ipynb")) + sorted(ROOT.glob("exercises/*/README.md")) + [ROOT / "exercises/README.md"]
    links = set().union(*(_relative_links(p) for p in pages))
    for n in range(len(sorted(ROOT.glob("notebooks/[0-9]*.ipynb")))):
        assert any(link.startswith(f"exercises/{n:02d}-") and link.endswith("student.ipynb") for link in links), n
    lab = lab_factory()
    unreachable = [link for link in sorted(links) if lab.status(f"api/contents/{link}?content=0")[0] != 200]
    assert unreachable == []


def test_teachers_get_the_whole_repository_and_nbgrader(lab_factory):
    lab = lab_factory("--teacher")
    assert lab.status(f"api/contents/{SOLUTION}")[0] == 200
    assert lab.status("files/teacher/README.md")[0] == 200
    assert "@jupyter/nbgrader" not in _disabled_extensions(lab)
    assert lab.status("formgrader")[0] in (200, 302)


def test_an_unknown_argument_is_refused_in_one_line():
    out = subprocess.run([str(ROOT / "scripts/jupyter.sh"), "--techer"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "usage" in out.stderr
