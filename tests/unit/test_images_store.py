"""The image metadata store on disk: Docker's imagedb layout, atomic writes, damaged records not trusted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from minidocker.dockerd.images import reference as refs
from minidocker.dockerd.images.store import ImageStore
from minidocker.errors import InvalidArgument, NotFound
from minidocker.oci import image as oci


def _config(n: int) -> bytes:
    return json.dumps({"architecture": "amd64", "os": "linux", "created": f"2026-01-0{n}T00:00:00Z",
                       "rootfs": {"type": "layers", "diff_ids": []}}).encode()


def test_layout_parent_and_restart(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    base = store.add(_config(1), [])
    child = store.add(_config(2), [], parent=base.id)
    store.set_reference(refs.parse("app:1"), child.id, "2026-01-02T00:00:00.000000001Z")
    assert base.id == oci.sha256_digest(_config(1))  # the image id IS the config digest
    assert (tmp_path / "imagedb" / "content" / "sha256" / base.id[7:]).read_bytes() == _config(1)
    assert (tmp_path / "imagedb" / "metadata" / "sha256" / child.id[7:] / "parent").read_text() == base.id
    repos = json.loads((tmp_path / "repositories.json").read_text())
    assert repos == {"Repositories": {"docker.io/library/app": {"docker.io/library/app:1": child.id}}}
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]  # temporaries renamed away
    again = ImageStore(tmp_path)
    assert again.get(child.id).parent == base.id
    assert again.get(child.id).last_tag_time == "2026-01-02T00:00:00.000000001Z"
    assert [c.id for c in again.children(base.id)] == [child.id]
    assert again.lookup(refs.parse("app:1")) == child.id


def test_damaged_config_is_not_trusted(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    image = store.add(_config(1), [])
    store.set_reference(refs.parse("app:1"), image.id)
    (tmp_path / "imagedb" / "content" / "sha256" / image.id[7:]).write_bytes(b'{"tampered": true}')
    again = ImageStore(tmp_path)
    assert again.all() == [] and again.lookup(refs.parse("app:1")) is None


def test_bad_input(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    with pytest.raises(InvalidArgument, match="invalid image config"):
        store.add(b"not json", [])
    with pytest.raises(InvalidArgument, match="names 0 layers but 1 were given"):
        store.add(_config(1), [{"digest": "sha256:" + "0" * 64}])
    with pytest.raises(NotFound):
        store.set_reference(refs.parse("x:1"), "sha256:" + "1" * 64)
    assert store.all() == [] and not (tmp_path / "repositories.json").exists()


def test_ambiguous_prefix(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    ids = [store.add(_config(n), []).id for n in range(1, 10)]
    prefix = next(a[7:8] for a in ids if sum(b[7:8] == a[7:8] for b in ids) > 1)
    with pytest.raises(InvalidArgument, match="ambiguous"):
        store.search(prefix)
    assert store.search(ids[0]).id == ids[0]
