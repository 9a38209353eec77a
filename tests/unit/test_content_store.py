"""The local content store: OCI layout on disk, digest verification, labels, concurrent writers (no root needed)."""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import threading
from pathlib import Path

import pytest

from minidocker.containerd.content import ContentStore, LocalStore
from minidocker.errors import DigestMismatch, InvalidArgument, NotFound


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "content")


def leftovers(store: LocalStore) -> list[str]:
    return os.listdir(store.root / "ingest")


def test_store_is_an_oci_image_layout_and_satisfies_the_protocol(store):
    assert isinstance(store, ContentStore)
    assert json.loads((store.root / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    assert json.loads((store.root / "index.json").read_text())["schemaVersion"] == 2
    assert (store.root / "blobs" / "sha256").is_dir()


def test_write_then_read_back(store):
    data = b"hello, layers"
    digest, size = store.write_blob(data, expected=sha(data))
    assert (digest, size) == (sha(data), len(data))
    assert store.path(digest) == store.root / "blobs" / "sha256" / digest[7:]
    assert store.read_bytes(digest) == data
    with store.read(digest, offset=7) as f:
        assert f.read() == b"layers"
    info = store.info(digest)
    assert (info.digest, info.size, info.labels) == (digest, len(data), {})
    assert [i.digest for i in store.list()] == [digest]
    assert not os.access(store.path(digest), os.W_OK) or os.geteuid() == 0
    assert os.stat(store.path(digest)).st_mode & 0o222 == 0  # blobs are read-only files


def test_wrong_digest_raises_and_leaves_nothing(store):
    with pytest.raises(DigestMismatch):
        store.write_blob(b"actual bytes", expected=sha(b"other bytes"))
    assert store.list() == []
    assert leftovers(store) == []
    assert not store.exists(sha(b"actual bytes"))


def test_wrong_size_raises_and_leaves_nothing(store):
    w = store.writer("r", total=10)
    w.write(b"12345")
    with pytest.raises(DigestMismatch, match="size"):
        w.commit()
    with pytest.raises(DigestMismatch):
        with store.writer("r2", total=3) as w2:
            w2.write(b"1234")
    assert store.list() == [] and leftovers(store) == []


def test_streaming_writer_hashes_while_writing(store):
    chunks = [os.urandom(100_000) for _ in range(5)]
    whole = b"".join(chunks)
    with store.writer("layer-1", expected=sha(whole), total=len(whole)) as w:
        for c in chunks:
            w.write(c)
        assert w.offset() == len(whole) and w.digest() == sha(whole)
        assert w.commit() == sha(whole)
    assert store.read_bytes(sha(whole)) == whole
    assert leftovers(store) == []


def test_leaving_the_block_without_commit_aborts(store):
    with store.writer("abandoned") as w:
        w.write(b"half")
        assert leftovers(store) != []
    assert leftovers(store) == [] and store.list() == []


def test_stream_source_and_existing_blob(store):
    data = b"x" * 3_000_000
    d1, _ = store.write_blob(io.BytesIO(data))
    d2, size = store.write_blob(io.BytesIO(data), expected=d1)  # already there: not an error
    assert d1 == d2 == sha(data) and size == len(data)
    with store.writer() as w:  # committing bytes that already exist is not an error either
        w.write(data)
        assert w.commit() == d1
    assert len(store.list()) == 1 and leftovers(store) == []


@pytest.mark.parametrize("bad", ["sha256:../../etc/passwd", "sha256:" + "A" * 64, "md5:abc", "", "sha256:" + "a" * 63])
def test_malformed_digests_are_refused(store, bad):
    with pytest.raises(InvalidArgument):
        store.info(bad)
    if bad:  # an empty expected digest means "no expectation", as in containerd
        with pytest.raises(InvalidArgument):
            store.write_blob(b"x", expected=bad)
    assert store.list() == [] and leftovers(store) == []


def test_missing_blob_is_not_found(store):
    missing = sha(b"nothing")
    for call in (store.info, store.path, store.read_bytes, store.delete):
        with pytest.raises(NotFound):
            call(missing)
    with pytest.raises(NotFound):
        store.update(missing, {"a": "b"})


def test_labels_merge_remove_and_survive_reopen(store):
    digest, _ = store.write_blob(b"manifest", labels={"containerd.io/gc.ref.content.config": "sha256:" + "1" * 64})
    store.update(digest, {"containerd.io/gc.ref.content.l.0": "sha256:" + "2" * 64})
    info = store.update(digest, {"containerd.io/gc.ref.content.config": ""})
    assert info.labels == {"containerd.io/gc.ref.content.l.0": "sha256:" + "2" * 64}
    assert LocalStore(store.root).info(digest).labels == info.labels


def test_delete_removes_blob_and_labels(store):
    digest, _ = store.write_blob(b"gone soon", labels={"k": "v"})
    store.delete(digest)
    assert not store.exists(digest) and store.list() == []
    digest2, _ = store.write_blob(b"gone soon")
    assert store.info(digest2).labels == {}


def test_concurrent_threads_writing_the_same_blob(store):
    data = os.urandom(2_000_000)
    results, errors = [], []

    def write() -> None:
        try:
            with store.writer("same-ref", expected=sha(data), total=len(data)) as w:
                for i in range(0, len(data), 65536):
                    w.write(data[i:i + 65536])
                results.append(w.commit())
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and results == [sha(data)] * 8
    assert store.read_bytes(sha(data)) == data and leftovers(store) == []


def _proc_write(root: str, data: bytes, queue) -> None:
    queue.put(LocalStore(root).write_blob(data, expected=sha(data))[0])


def test_concurrent_processes_writing_the_same_blob(store):
    data = os.urandom(500_000)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_proc_write, args=(str(store.root), data, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * 4
    assert sorted(queue.get(timeout=5) for _ in procs) == [sha(data)] * 4
    assert store.read_bytes(sha(data)) == data and leftovers(store) == []


def test_stale_ingests_are_cleaned_but_live_ones_kept(store):
    live = store.writer("live")
    live.write(b"in progress")
    stale = store.root / "ingest" / "crashed.abc123"
    stale.write_bytes(b"left by a crash")
    os.utime(stale, (1, 1))
    assert store.abort_stale_ingests(older_than=3600) == 1
    assert not stale.exists()
    live.write(b"...")
    assert live.commit() == sha(b"in progress...")


def test_a_pull_killed_mid_download_leaves_nothing_once_the_store_opens_again(tmp_path):
    """SIGKILL a real writer halfway (as a killed pull is): its partial ingest is removed at the next
    start of the store, while a writer alive in another process keeps its ingest."""
    import signal
    import subprocess
    import sys
    import textwrap

    root = tmp_path / "content"
    LocalStore(root)
    child = textwrap.dedent(f"""
        import sys, time
        from minidocker.containerd.content import LocalStore
        w = LocalStore({str(root)!r}).writer("sha256:" + "a" * 64, total=1 << 20)
        w.write(b"x" * 4096)
        print("half", flush=True)
        sys.stdin.read()
    """)
    procs = [subprocess.Popen([sys.executable, "-c", child], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
             for _ in range(2)]
    try:
        for p in procs:
            assert p.stdout.readline() == b"half\n"
        assert len(os.listdir(root / "ingest")) == 2
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait()
        LocalStore(root)  # containerd starting again
        assert len(os.listdir(root / "ingest")) == 1  # the killed one is gone, the live one kept
    finally:
        for p in procs:
            p.kill()
            p.wait()
    LocalStore(root)
    assert os.listdir(root / "ingest") == []
