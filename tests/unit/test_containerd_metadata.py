"""Container records: created once, read back, listed in creation order, deleted; bad ids and specs refused."""

from __future__ import annotations

import pytest

from minidocker.containerd.metadata import Container, ContainerStore
from minidocker.errors import Conflict, InvalidArgument, NotFound


def test_create_get_list_delete(tmp_path):
    store = ContainerStore(tmp_path)
    store.create(Container(id="b", spec=b'{"ociVersion": "1.0.2"}', runtime="runc", labels={"k": "v"}))
    store.create(Container(id="a", spec=b"{}"))
    got = store.get("b")
    assert (got.spec, got.runtime, got.labels) == (b'{"ociVersion": "1.0.2"}', "runc", {"k": "v"})
    assert got.created_at > 0
    assert [c.id for c in store.list()] == ["b", "a"]
    store.delete("b")
    with pytest.raises(NotFound):
        store.get("b")
    assert not list(tmp_path.glob("*.tmp"))
    assert ContainerStore(tmp_path).get("a").spec == b"{}"  # persisted, read by a fresh store


def test_duplicate_is_a_conflict(tmp_path):
    store = ContainerStore(tmp_path)
    store.create(Container(id="x"))
    with pytest.raises(Conflict):
        store.create(Container(id="x"))


@pytest.mark.parametrize("bad", ["", "../etc", "a/b", "-x", "x" * 200])
def test_bad_ids_are_refused(tmp_path, bad):
    with pytest.raises(InvalidArgument):
        ContainerStore(tmp_path).create(Container(id=bad))
    assert not list(tmp_path.iterdir())


def test_spec_must_be_json(tmp_path):
    with pytest.raises(InvalidArgument, match="not valid JSON"):
        ContainerStore(tmp_path).create(Container(id="x", spec=b"{nope"))


def test_delete_unknown_is_not_found(tmp_path):
    with pytest.raises(NotFound):
        ContainerStore(tmp_path).delete("nope")
