"""The content store, snapshotter and differ protocols over gRPC: the same calls as the in-process classes,
answered by minicontainerd (cf. containerd's content/proxy, snapshots/proxy and diff/proxy).

dockerd's image service is written against content/store.py's ContentStore, snapshots/snapshotter.py's
Snapshotter and diff/differ.py's Applier and Comparer; these adapters implement them remotely, so it
runs unchanged whether the store lives in its own process or in containerd's.
"""

from __future__ import annotations

import hashlib
import io
import queue
from pathlib import Path
from typing import BinaryIO, Iterator

import grpc

from .. import paths
from ..errors import DigestMismatch, InvalidArgument, NotFound
from ..oci.image import Descriptor
from ..oci.mount import Mount
from .api import containerd_pb2 as pb
from .api import containerd_pb2_grpc as rpc
from .content.store import Info, write_through
from .diff.differ import LayerDiff
from .grpcerrors import from_rpc_error
from .snapshots.snapshotter import Info as SnapshotInfo
from .snapshots.snapshotter import Kind, Usage

CHUNK = 1 << 20


def _call(method, request, **kw):
    try:
        return method(request, **kw)
    except grpc.RpcError as err:
        raise from_rpc_error(err) from None


def _info(i: pb.ContentInfo) -> Info:
    return Info(digest=i.digest, size=i.size, created_at=i.created_at / 1e9, updated_at=i.created_at / 1e9,
                labels=dict(i.labels))


def _mounts(resp: pb.MountsResponse) -> list[Mount]:
    return [Mount(type=m.type, source=m.source, options=list(m.options)) for m in resp.mounts]


def _mounts_pb(mounts: list[Mount]) -> list[pb.Mount]:
    out = []
    for m in mounts:
        if isinstance(m, dict):
            m = Mount.from_dict(m)
        out.append(pb.Mount(type=m.type, source=m.source, options=list(m.options)))
    return out


class _ChunkReader(io.RawIOBase):
    """A read-only, seekable stream over server-streaming Read calls (a seek starts a new call at the offset),
    so that it can stand in for the open file the local store returns (tarfile, for one, tells and seeks)."""

    def __init__(self, stub, digest: str, offset: int, size: int) -> None:
        self._stub = stub
        self._digest = digest
        self._size = size
        self._pos = offset
        self._chunks = None
        self._buf = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        target = max(0, base + offset)
        if target != self._pos:
            self._cancel()
            self._pos, self._buf = target, b""
        return self._pos

    def readinto(self, b) -> int:
        if self._pos >= self._size:
            return 0
        while not self._buf:
            if self._chunks is None:
                self._chunks = self._stub.Read(pb.ReadContentRequest(digest=self._digest, offset=self._pos))
            try:
                self._buf = next(self._chunks).data
            except StopIteration:
                return 0
            except grpc.RpcError as err:
                raise from_rpc_error(err) from None
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        self._pos += n
        return n

    def _cancel(self) -> None:
        if self._chunks is not None:
            self._chunks.cancel()
            self._chunks = None

    def close(self) -> None:
        self._cancel()
        super().close()


class RemoteWriter:
    """One ingest streamed to the daemon; verified here on commit, and again by the daemon."""

    def __init__(self, stub, ref: str, expected: str, total: int) -> None:
        self.ref = ref
        self._expected = expected
        self._total = total
        self._hash = hashlib.sha256()
        self._size = 0
        self._stub = stub
        self._queue: queue.Queue = queue.Queue(maxsize=8)
        self._future = stub.Write.future(self._requests())
        self._done = False

    def _requests(self) -> Iterator[pb.WriteContentRequest]:
        first = True
        while True:
            kind, value = self._queue.get()
            if kind == "end":
                if first:
                    yield pb.WriteContentRequest(ref=self.ref, expected=self._expected, total=self._total)
                return
            msg = pb.WriteContentRequest(data=value)
            if first:
                msg.ref, msg.expected, msg.total, first = self.ref, self._expected, self._total, False
            yield msg

    def write(self, data: bytes) -> int:
        if self._done:
            raise InvalidArgument(f"ingest {self.ref!r} is closed")
        if self._total and self._size + len(data) > self._total:
            self.abort()
            raise DigestMismatch(f"ingest {self.ref!r}: more than the expected {self._total} bytes")
        for start in range(0, len(data), CHUNK):
            self._put(("data", bytes(data[start : start + CHUNK])))
        self._hash.update(data)
        self._size += len(data)
        return len(data)

    def _put(self, item: tuple) -> None:
        """Queue a message for the stream; if the daemon already ended the call (an error), raise that."""
        while True:
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if self._future.done():
                    self._done = True
                    try:
                        self._future.result()
                    except grpc.RpcError as err:
                        raise from_rpc_error(err) from None
                    raise InvalidArgument(f"ingest {self.ref!r}: the daemon closed the stream")

    def offset(self) -> int:
        return self._size

    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()

    def commit(self, size: int = 0, expected: str = "", labels: dict[str, str] | None = None) -> str:
        if self._done:
            raise InvalidArgument(f"ingest {self.ref!r} is closed")
        size = size or self._total
        expected = expected or self._expected
        if size and size != self._size:
            self.abort()
            raise DigestMismatch(f"unexpected commit size {self._size}, expected {size}")
        if expected and expected != self.digest():
            self.abort()
            raise DigestMismatch(f"unexpected commit digest {self.digest()}, expected {expected}")
        self._done = True
        try:
            self._put(("end", None))
            digest = self._future.result().digest
        except grpc.RpcError as err:
            raise from_rpc_error(err) from None
        if labels:
            _call(self._stub.Update, pb.UpdateContentRequest(digest=digest, labels=labels))
        return digest

    def abort(self) -> None:
        if not self._done:
            self._done = True
            self._future.cancel()

    def __enter__(self) -> "RemoteWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()


class RemoteContentStore:
    """content.store.ContentStore over gRPC. `root` is the daemon's store directory on this same host."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.stub = rpc.ContentStub(channel)
        self.root = paths.state_dir() / "containerd" / "content"

    def info(self, digest: str) -> Info:
        return _info(_call(self.stub.Info, pb.InfoRequest(digest=digest)))

    def exists(self, digest: str) -> bool:
        try:
            self.info(digest)
            return True
        except NotFound:
            return False

    def path(self, digest: str) -> Path:
        self.info(digest)
        return self.root / "blobs" / "sha256" / digest.split(":", 1)[1]

    def read(self, digest: str, offset: int = 0) -> BinaryIO:
        size = self.info(digest).size  # NotFound now, not at the first read
        return io.BufferedReader(_ChunkReader(self.stub, digest, offset, size), buffer_size=CHUNK)

    def read_bytes(self, digest: str) -> bytes:
        with self.read(digest) as f:
            return f.read()

    def writer(self, ref: str = "", expected: str = "", total: int = 0) -> RemoteWriter:
        return RemoteWriter(self.stub, ref, expected, total)

    def write_blob(self, data, expected: str = "", ref: str = "", labels: dict[str, str] | None = None) -> tuple[str, int]:
        return write_through(self, data, expected, ref, labels, CHUNK)

    def update(self, digest: str, labels: dict[str, str]) -> Info:
        return _info(_call(self.stub.Update, pb.UpdateContentRequest(digest=digest, labels=labels)))

    def delete(self, digest: str) -> None:
        _call(self.stub.Delete, pb.DeleteContentRequest(digest=digest))

    def walk(self) -> Iterator[Info]:
        yield from (_info(i) for i in _call(self.stub.List, pb.Empty()).infos)

    def list(self) -> list[Info]:
        return list(self.walk())


def _snapshot(i: pb.SnapshotInfo) -> SnapshotInfo:
    return SnapshotInfo(name=i.name, kind=Kind(i.kind), parent=i.parent, labels=dict(i.labels),
                        created_at=i.created_at / 1e9, updated_at=i.created_at / 1e9)


class RemoteSnapshotter:
    """snapshots.snapshotter.Snapshotter over gRPC."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.stub = rpc.SnapshotsStub(channel)

    def prepare(self, key: str, parent: str = "", labels: dict[str, str] | None = None) -> list[Mount]:
        return _mounts(_call(self.stub.Prepare, pb.PrepareSnapshotRequest(key=key, parent=parent, labels=labels or {})))

    def view(self, key: str, parent: str = "", labels: dict[str, str] | None = None) -> list[Mount]:
        return _mounts(_call(self.stub.View, pb.PrepareSnapshotRequest(key=key, parent=parent, labels=labels or {})))

    def mounts(self, key: str) -> list[Mount]:
        return _mounts(_call(self.stub.Mounts, pb.SnapshotKey(key=key)))

    def commit(self, name: str, key: str, labels: dict[str, str] | None = None) -> None:
        _call(self.stub.Commit, pb.CommitSnapshotRequest(name=name, key=key, labels=labels or {}))

    def remove(self, key: str) -> None:
        _call(self.stub.Remove, pb.SnapshotKey(key=key))

    def stat(self, key: str) -> SnapshotInfo:
        return _snapshot(_call(self.stub.Stat, pb.SnapshotKey(key=key)))

    def update(self, key: str, labels: dict[str, str]) -> SnapshotInfo:
        return _snapshot(_call(self.stub.Update, pb.UpdateSnapshotRequest(key=key, labels=labels)))

    def usage(self, key: str) -> Usage:
        u = _call(self.stub.Usage, pb.SnapshotKey(key=key))
        return Usage(size=u.size, inodes=u.inodes)

    def walk(self) -> Iterator[SnapshotInfo]:
        yield from (_snapshot(i) for i in _call(self.stub.List, pb.Empty()).infos)

    def list(self) -> list[SnapshotInfo]:
        return list(self.walk())


def _desc(d: pb.Descriptor) -> Descriptor:
    return Descriptor(media_type=d.media_type, digest=d.digest, size=d.size, annotations=dict(d.annotations))


class RemoteDiff:
    """diff.differ.Applier and Comparer over gRPC."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.stub = rpc.DiffStub(channel)

    def apply(self, desc: Descriptor, mounts: list[Mount]) -> Descriptor:
        req = pb.ApplyRequest(diff=pb.Descriptor(media_type=desc.media_type, digest=desc.digest, size=desc.size,
                                                 annotations=desc.annotations), mounts=_mounts_pb(mounts))
        return _desc(_call(self.stub.Apply, req).applied)

    def compare(self, lower: list[Mount], upper: list[Mount], media_type: str = "", ref: str = "",
                labels: dict[str, str] | None = None) -> LayerDiff:
        req = pb.DiffRequest(left=_mounts_pb(lower), right=_mounts_pb(upper), media_type=media_type, ref=ref,
                             labels=labels or {})
        resp = _call(self.stub.Diff, req)
        return LayerDiff(descriptor=_desc(resp.diff), diff_id=resp.diff_id)
