"""The minidocker CLI end to end against a real engine: build, images, tag, history, rmi, save/load, system df."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture

pytestmark = pytest.mark.root


def _ok(res: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert res.returncode == 0, f"exit {res.returncode}\n{res.stdout}\n{res.stderr}"
    return res


@pytest.fixture
def context(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text('FROM busybox\nCOPY . /ctx/\nRUN echo built > /built\nCMD ["ls", "/ctx"]\n')
    (tmp_path / "app.txt").write_text("app\n")
    (tmp_path / "debug.log").write_text("noise\n")
    (tmp_path / ".dockerignore").write_text("*.log\n")
    return tmp_path


def test_build_sends_the_context_without_ignored_files_and_tags_the_image(engine, context: Path) -> None:
    res = _ok(engine.cli("build", "-t", "cli-built:1", str(context)))
    assert res.stdout.startswith("Sending build context to Docker daemon")
    assert "Step 1/4 : FROM busybox" in res.stdout and "Successfully tagged cli-built:1" in res.stdout
    listing = _ok(engine.cli("run", "--rm", "cli-built:1")).stdout.split()
    assert "app.txt" in listing and "Dockerfile" in listing and "debug.log" not in listing
    again = _ok(engine.cli("build", "-t", "cli-built:1", str(context))).stdout
    assert again.count("Using cache") == 3  # every step after FROM, as docker's classic builder
    quiet = _ok(engine.cli("build", "-q", "-t", "cli-built:1", str(context))).stdout
    image_id = _ok(engine.cli("image", "inspect", "-f", "{{.Id}}", "cli-built:1")).stdout.strip()
    assert quiet.strip() == image_id
    row = [line.split() for line in _ok(engine.cli("images", "cli-built")).stdout.splitlines()]
    assert row[0] == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    assert row[1][:3] == ["cli-built", "1", image_id.split(":")[1][:12]]


def test_a_failing_step_gives_its_exit_code(engine, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN exit 3\n")
    res = engine.cli("build", str(tmp_path))
    assert res.returncode == 3
    assert "returned a non-zero code: 3" in res.stderr


def test_tag_history_rmi(engine) -> None:
    _ok(engine.cli("tag", "busybox", "localhost:5000/cli-box:v1"))
    try:
        tags = _ok(engine.cli("image", "inspect", "-f", "{{json .RepoTags}}", "busybox")).stdout
        assert "localhost:5000/cli-box:v1" in tags
        history = _ok(engine.cli("history", "localhost:5000/cli-box:v1")).stdout.splitlines()
        assert history[0].split() == ["IMAGE", "CREATED", "CREATED", "BY", "SIZE", "COMMENT"]
        assert history == _ok(engine.docker("history", "localhost:5000/cli-box:v1")).stdout.splitlines()
    finally:
        res = _ok(engine.cli("rmi", "localhost:5000/cli-box:v1"))
    assert res.stdout == "Untagged: localhost:5000/cli-box:v1\n"
    missing = engine.cli("rmi", "localhost:5000/cli-box:v1")
    assert missing.returncode == 1 and "Error response from daemon" in missing.stderr


def test_save_then_load_round_trip(engine, tmp_path: Path) -> None:
    _ok(engine.cli("tag", "busybox", "cli-saved:1"))
    archive = tmp_path / "saved.tar"
    _ok(engine.cli("save", "-o", str(archive), "cli-saved:1"))
    assert archive.stat().st_size > 100_000 and not list(tmp_path.glob("*.tmp-*"))
    _ok(engine.cli("rmi", "cli-saved:1"))
    res = _ok(engine.cli("load", "-i", str(archive)))
    assert res.stdout == "Loaded image: cli-saved:1\n"
    assert _ok(engine.cli("run", "--rm", "cli-saved:1", "echo", "loaded")).stdout == "loaded\n"
    _ok(engine.cli("rmi", "cli-saved:1"))


def test_system_df_matches_the_docker_cli(engine) -> None:
    ours, theirs = _ok(engine.cli("system", "df")), _ok(engine.docker("system", "df"))
    assert ours.stdout == theirs.stdout
    assert ours.stdout.splitlines()[0].split() == ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
