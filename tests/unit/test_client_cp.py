"""`minidocker cp` against the fake engine: stat with HEAD, tar up and PUT into the right directory, GET and extract."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from pathlib import Path

import pytest

from client_fake_engine import FakeEngine, Reply
from minidocker.client.cli import main

DIR_MODE = (1 << 31) | 0o755  # Go's os.ModeDir, as the stat header carries it


def _stat(name: str, mode: int, size: int = 0) -> dict[str, str]:
    raw = json.dumps({"name": name, "size": size, "mode": mode, "mtime": "2026-11-28T00:00:00Z", "linkTarget": ""})
    return {"X-Docker-Container-Path-Stat": base64.b64encode(raw.encode()).decode()}


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    eng = FakeEngine(tmp_path / "api.sock").start()
    monkeypatch.setenv("MINIDOCKER_HOST", f"unix://{eng.sock_path}")
    yield eng
    eng.stop()


def _members(body: bytes) -> dict[str, bytes | None]:
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        return {m.name: (tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()}


def test_copy_into_an_existing_directory_keeps_the_name(engine: FakeEngine, tmp_path: Path) -> None:
    src = tmp_path / "f.txt"
    src.write_text("hi\n")
    engine.route("HEAD", "/containers/c1/archive", Reply(200, raw=b"", headers=_stat("data", DIR_MODE)))
    engine.route("PUT", "/containers/c1/archive", Reply(200))
    assert main(["cp", str(src), "c1:/data"]) == 0
    put = engine.seen[-1]
    assert put.query == {"noOverwriteDirNonDir": "true", "path": "/data"}
    assert put.headers["content-type"] == "application/x-tar"
    assert _members(put.body) == {"f.txt": b"hi\n"}


def test_copy_to_a_new_name_renames_inside_the_parent(engine: FakeEngine, tmp_path: Path) -> None:
    src = tmp_path / "dir"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a").write_text("a")
    engine.route("HEAD", "/containers/c1/archive", Reply(404, {"message": "Could not find the file /new in container c1"}))
    engine.route("PUT", "/containers/c1/archive", Reply(200))
    assert main(["cp", str(src), "c1:/new"]) == 0
    put = engine.seen[-1]
    assert put.query["path"] == "/"
    assert _members(put.body) == {"new": None, "new/sub": None, "new/sub/a": b"a"}


def test_copy_out_extracts_and_renames(engine: FakeEngine, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("f.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"hi\n"))
    engine.route("GET", "/containers/c1/archive", Reply(200, raw=buf.getvalue(), headers=_stat("f.txt", 0o644, 3)))
    assert main(["cp", "c1:/f.txt", str(tmp_path / "copy.txt")]) == 0
    assert (tmp_path / "copy.txt").read_text() == "hi\n"
    (tmp_path / "into").mkdir()
    assert main(["cp", "c1:/f.txt", str(tmp_path / "into")]) == 0
    assert (tmp_path / "into" / "f.txt").read_text() == "hi\n"
    assert engine.seen[-1].query == {"path": "/f.txt"}


def test_copy_of_a_missing_local_file_fails_before_any_request(engine: FakeEngine, tmp_path: Path, capfd) -> None:
    assert main(["cp", str(tmp_path / "nope"), "c1:/x"]) == 1
    assert "no such file or directory" in capfd.readouterr().err
    assert engine.requests(include_ping=True) == []
