"""minicontainerd's gRPC services in-process, through the Python client: containers, errors crossing the
wire as the same classes, and the content/snapshot adapters (no root needed: nothing is mounted)."""

from __future__ import annotations

import hashlib

import pytest

from minidocker import paths
from minidocker.containerd.client import ContainerdClient
from minidocker.containerd.main import build_server
from minidocker.errors import Conflict, DigestMismatch, InvalidArgument, NotFound


@pytest.fixture
def client(md_root):
    server, _tasks = build_server(paths.containerd_socket(), paths.state_dir() / "containerd", paths.run_dir())
    server.start()
    c = ContainerdClient()
    assert c.ping(10)
    yield c
    c.close()
    server.stop(0).wait()


def test_containers_roundtrip(client):
    made = client.containers.create("c1", {"ociVersion": "1.0.2-dev"}, snapshot_key="c1", runtime="runc",
                                    labels={"com.example": "yes"})
    assert made.created_at > 0
    got = client.containers.get("c1")
    assert (got.snapshot_key, got.runtime, got.labels) == ("c1", "runc", {"com.example": "yes"})
    assert b"1.0.2-dev" in got.spec
    assert [c.id for c in client.containers.list()] == ["c1"]
    client.containers.delete("c1")
    assert client.containers.list() == []


def test_errors_keep_their_class(client):
    with pytest.raises(NotFound):
        client.containers.get("missing")
    client.containers.create("dup", b"{}")
    with pytest.raises(Conflict):
        client.containers.create("dup", b"{}")
    with pytest.raises(InvalidArgument):
        client.containers.create("bad/id", b"{}")
    with pytest.raises(NotFound):
        client.tasks.get("dup")
    with pytest.raises(NotFound):
        client.tasks.start("dup")


def test_task_for_unknown_container_is_not_found(client):
    with pytest.raises(NotFound):
        client.tasks.create("ghost", [], None, "")


def test_content_write_read_labels_delete(client):
    store = client.content
    data = b"layer bytes " * 100000  # > 1 MiB: several chunks each way
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    assert store.write_blob(data, expected=digest, labels={"a": "1"}) == (digest, len(data))
    assert store.read_bytes(digest) == data
    with store.read(digest, offset=len(data) - 5) as f:
        assert f.read() == data[-5:]
    with store.read(digest) as f:  # seekable, like the local store's open file
        assert f.read(3) == data[:3]
        f.seek(-4, 2)
        assert (f.tell(), f.read()) == (len(data) - 4, data[-4:])
        f.seek(12)
        assert f.read(6) == data[12:18]
    assert store.info(digest).labels == {"a": "1"}
    assert store.update(digest, {"a": "", "b": "2"}).labels == {"b": "2"}
    assert store.path(digest).read_bytes() == data  # same host: the daemon's file
    assert [i.digest for i in store.list()] == [digest]
    store.delete(digest)
    assert not store.exists(digest)


def test_content_digest_mismatch_leaves_nothing(client):
    store = client.content
    wrong = "sha256:" + "0" * 64
    with pytest.raises(DigestMismatch):
        store.write_blob(b"hello", expected=wrong)
    with pytest.raises(DigestMismatch):
        with store.writer(ref="r", expected=wrong, total=5) as w:
            w.write(b"hello")
            w.commit()
    assert store.list() == []
    assert not list((paths.state_dir() / "containerd" / "content" / "ingest").iterdir())


def test_snapshots_prepare_commit_stat_remove(client):
    sn = client.snapshots
    mounts = sn.prepare("extract-1", "")
    assert mounts and mounts[0].type == "bind"
    sn.commit("layer-1", "extract-1")
    info = sn.stat("layer-1")
    assert (info.name, info.kind.value) == ("layer-1", "committed")
    active = sn.prepare("ctr", "layer-1")
    assert active[0].type == "overlay"
    assert {i.name for i in sn.list()} == {"layer-1", "ctr"}
    with pytest.raises(Conflict):
        sn.remove("layer-1")  # still a parent
    sn.remove("ctr")
    sn.remove("layer-1")
    with pytest.raises(NotFound):
        sn.stat("layer-1")


def test_unreachable_daemon_is_a_runtime_failure(tmp_path):
    from minidocker.errors import RuntimeFailure

    with ContainerdClient(tmp_path / "nobody.sock") as c:
        assert not c.ping(0.2)
        with pytest.raises(RuntimeFailure, match="not reachable"):
            c.containers.list()
