"""The image commands through the real docker CLI against a running engine, as the traffic capture describes them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture

pytestmark = pytest.mark.root


def _ids(engine, *args: str) -> list[str]:  # noqa: F811
    return engine.docker("images", "-q", *args, check=True).stdout.split()


def test_tag_rmi_conflict_and_untag(engine) -> None:  # noqa: F811
    engine.docker("tag", "busybox", "localhost:5000/mybox:v1", check=True)
    tags = json.loads(engine.docker("image", "inspect", "localhost:5000/mybox:v1", check=True).stdout)[0]["RepoTags"]
    assert "busybox:latest" in tags and "localhost:5000/mybox:v1" in tags
    short = engine.docker("images", "-q", "busybox", check=True).stdout.split()[0]
    res = engine.docker("rmi", short)
    assert res.returncode == 1
    assert res.stderr.strip() == (f"Error response from daemon: conflict: unable to delete {short} (must be forced) - "
                                  "image is referenced in multiple repositories")
    res = engine.docker("rmi", "localhost:5000/mybox:v1", check=True)
    assert res.stdout.strip() == "Untagged: localhost:5000/mybox:v1"
    res = engine.docker("rmi", "nosuchimage")
    assert res.returncode == 1 and "No such image: nosuchimage:latest" in res.stderr
    res = engine.docker("tag", "busybox", "Bad/Name")
    assert res.returncode != 0 and "invalid reference format" in res.stderr


def test_save_load_import_and_dangling(engine, tmp_path: Path) -> None:  # noqa: F811
    archive = tmp_path / "busybox.tar"
    engine.docker("save", "-o", str(archive), "busybox", check=True)
    res = engine.docker("import", "-c", 'CMD ["sh"]', str(archive), "imported:1", check=True)
    imported = res.stdout.strip()
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", imported)
    # Re-import under the same tag: the first import is left dangling, as a rebuild would leave it.
    engine.docker("import", str(archive), "imported:1", check=True)
    assert _ids(engine, "--filter", "dangling=true") == [imported[7:19]]
    res = engine.docker("image", "prune", "-f", check=True)
    assert f"deleted: {imported}" in res.stdout
    assert _ids(engine, "--filter", "dangling=true") == []
    engine.docker("rmi", "imported:1", check=True)
    res = engine.docker("load", "-i", str(archive), check=True)
    assert res.stdout.strip() == "Loaded image: busybox:latest"
    out = engine.docker("run", "--rm", "busybox", "echo", "still-runs", check=True).stdout
    assert out == "still-runs\n"


def test_save_of_several_names(engine, tmp_path: Path) -> None:  # noqa: F811
    import tarfile

    engine.docker("tag", "busybox", "second:v2", check=True)
    archive = tmp_path / "two.tar"
    engine.docker("save", "-o", str(archive), "busybox", "second:v2", check=True)
    with tarfile.open(archive) as tar:
        (entry,) = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert sorted(entry["RepoTags"]) == ["busybox:latest", "second:v2"]  # one image, both names
    engine.docker("rmi", "second:v2", check=True)


def test_system_df_and_history(engine) -> None:  # noqa: F811
    out = engine.docker("system", "df", "--format", "{{.Type}} {{.TotalCount}}", check=True).stdout.splitlines()
    assert out[0].split() == ["Images", str(len(_ids(engine, "-a")))]
    rows = engine.docker("history", "--no-trunc", "--format", "{{.ID}} {{.CreatedBy}}", "busybox", check=True).stdout
    assert rows.splitlines()[0].startswith("sha256:")
    assert 'CMD ["sh"]' in rows


def test_export_a_container_then_import_it(engine, tmp_path: Path) -> None:  # noqa: F811
    name = "exp-" + tmp_path.name[-8:].replace("_", "")
    engine.docker("run", "--name", name, "busybox", "sh", "-c", "echo exported > /marker; rm /etc/group", check=True)
    try:
        archive = tmp_path / "fs.tar"
        engine.docker("export", "-o", str(archive), name, check=True)
        engine.docker("import", str(archive), "exported:1", check=True)
        out = engine.docker("run", "--rm", "exported:1", "sh", "-c", "cat /marker; ls /etc/group || true", check=True)
        assert out.stdout.splitlines()[0] == "exported"
        assert "No such file" in out.stderr
    finally:
        engine.docker("rm", "-f", name)
        engine.docker("rmi", "exported:1")
