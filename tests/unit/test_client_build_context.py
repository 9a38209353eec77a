"""The build context tar and .dockerignore rules (moby/patternmatcher semantics)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from minidocker.client.build_context import Matcher, make_context_tar


@pytest.mark.parametrize("patterns, path, excluded", [
    (["*.log"], "a.log", True),
    (["*.log"], "sub/a.log", False),          # * does not cross directories
    (["**/*.log"], "sub/deep/a.log", True),
    (["**/*.log"], "a.log", True),
    (["build"], "build/out/x.o", True),       # a directory pattern excludes what is beneath
    (["/build"], "build/x", True),             # a leading slash is the context root
    (["*.md", "!README.md"], "README.md", False),
    (["*.md", "!README.md"], "CHANGES.md", True),
    (["!README.md", "*.md"], "README.md", True),  # the last match wins
    (["file?.txt"], "file1.txt", True),
    (["file?.txt"], "file10.txt", False),
    (["[ab].txt"], "b.txt", True),
    (["./tmp/../cache"], "cache/x", True),     # patterns are cleaned paths
])
def test_patterns(patterns: list[str], path: str, excluded: bool) -> None:
    assert Matcher(patterns).excluded(path) is excluded


def _names(data: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return sorted(m.name for m in tar.getmembers())


def test_context_tar_applies_dockerignore_but_keeps_dockerfile_and_ignore_file(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    (tmp_path / ".dockerignore").write_text("# comment\n*.log\nsecrets\nDockerfile\n.dockerignore\n!keep.log\n")
    (tmp_path / "app.py").write_text("print(1)\n")
    (tmp_path / "debug.log").write_text("x")
    (tmp_path / "keep.log").write_text("x")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "key").write_text("k")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text("")
    names = _names(make_context_tar(tmp_path))
    assert names == [".dockerignore", "Dockerfile", "app.py", "keep.log", "src", "src/m.py"]


def test_an_extra_dockerfile_is_added_under_its_generated_name(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("a")
    data = make_context_tar(tmp_path, ".dockerfile.abc", {".dockerfile.abc": b"FROM scratch\n"})
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.extractfile(".dockerfile.abc").read() == b"FROM scratch\n"
        assert tar.extractfile("a").read() == b"a"


def test_symlinks_are_sent_as_links_not_followed(tmp_path: Path) -> None:
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "f").write_text("f")
    (tmp_path / "link").symlink_to("/etc")
    with tarfile.open(fileobj=io.BytesIO(make_context_tar(tmp_path))) as tar:
        link = tar.getmember("link")
        assert link.issym() and link.linkname == "/etc"
        assert "link/passwd" not in tar.getnames()
