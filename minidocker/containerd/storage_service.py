"""The Content, Snapshots and Diff gRPC services over the in-process store, snapshotter and differ
(cf. containerd plugins/services/content, snapshots and diff)."""

from __future__ import annotations

import itertools

from ..oci.image import Descriptor
from ..oci.mount import Mount
from .api import containerd_pb2 as pb
from .api import containerd_pb2_grpc as rpc
from .grpcerrors import servicer_method

READ_CHUNK = 1 << 20


def _ns(seconds: float) -> int:
    return int(seconds * 1e9)


def info_to_pb(info) -> pb.ContentInfo:
    return pb.ContentInfo(digest=info.digest, size=info.size, created_at=_ns(info.created_at), labels=info.labels)


def mounts_to_pb(mounts: list[Mount]) -> pb.MountsResponse:
    return pb.MountsResponse(mounts=[pb.Mount(type=m.type, source=m.source, options=list(m.options)) for m in mounts])


def mounts_from_pb(mounts) -> list[Mount]:
    return [Mount(type=m.type, source=m.source, options=list(m.options)) for m in mounts]


def desc_to_pb(d: Descriptor) -> pb.Descriptor:
    return pb.Descriptor(media_type=d.media_type, digest=d.digest, size=d.size, annotations=d.annotations)


def desc_from_pb(d: pb.Descriptor) -> Descriptor:
    return Descriptor(media_type=d.media_type, digest=d.digest, size=d.size, annotations=dict(d.annotations))


def snapshot_to_pb(info) -> pb.SnapshotInfo:
    kind = getattr(info.kind, "value", info.kind)
    return pb.SnapshotInfo(name=info.name, parent=info.parent, kind=kind, created_at=_ns(info.created_at),
                           labels=info.labels)


class ContentService(rpc.ContentServicer):
    def __init__(self, store) -> None:
        self.store = store

    @servicer_method
    def Info(self, request, context):
        return info_to_pb(self.store.info(request.digest))

    @servicer_method
    def List(self, request, context):
        return pb.ListContentResponse(infos=[info_to_pb(i) for i in self.store.walk()])

    @servicer_method
    def Read(self, request, context):
        # Checked before streaming starts, so that NotFound arrives as a status and not mid-stream.
        reader = self.store.read(request.digest, request.offset)
        return self._chunks(reader, request.size)

    @staticmethod
    def _chunks(reader, size: int):
        with reader:
            left = size if size > 0 else -1
            while left != 0:
                data = reader.read(READ_CHUNK if left < 0 else min(READ_CHUNK, left))
                if not data:
                    break
                if left > 0:
                    left -= len(data)
                yield pb.DataChunk(data=data)

    @servicer_method
    def Write(self, request_iterator, context):
        first = next(request_iterator, None)
        if first is None:
            from ..errors import InvalidArgument

            raise InvalidArgument("content write: empty stream")
        size = 0
        with self.store.writer(ref=first.ref, expected=first.expected, total=first.total) as w:
            for chunk in itertools.chain([first], request_iterator):
                if chunk.data:
                    size += w.write(chunk.data)
            digest = w.commit(labels=dict(first.labels) or None)
        return pb.WriteContentResponse(digest=digest, size=size)

    @servicer_method
    def Delete(self, request, context):
        self.store.delete(request.digest)
        return pb.Empty()

    @servicer_method
    def Update(self, request, context):
        return info_to_pb(self.store.update(request.digest, dict(request.labels)))


class SnapshotsService(rpc.SnapshotsServicer):
    def __init__(self, snapshotter) -> None:
        self.sn = snapshotter

    @servicer_method
    def Prepare(self, request, context):
        return mounts_to_pb(self.sn.prepare(request.key, request.parent, dict(request.labels) or None))

    @servicer_method
    def View(self, request, context):
        return mounts_to_pb(self.sn.view(request.key, request.parent, dict(request.labels) or None))

    @servicer_method
    def Mounts(self, request, context):
        return mounts_to_pb(self.sn.mounts(request.key))

    @servicer_method
    def Commit(self, request, context):
        self.sn.commit(request.name, request.key, dict(request.labels) or None)
        return pb.Empty()

    @servicer_method
    def Remove(self, request, context):
        self.sn.remove(request.key)
        return pb.Empty()

    @servicer_method
    def Stat(self, request, context):
        return snapshot_to_pb(self.sn.stat(request.key))

    @servicer_method
    def List(self, request, context):
        return pb.ListSnapshotsResponse(infos=[snapshot_to_pb(i) for i in self.sn.walk()])

    @servicer_method
    def Usage(self, request, context):
        usage = self.sn.usage(request.key)
        return pb.UsageResponse(size=usage.size, inodes=usage.inodes)

    @servicer_method
    def Update(self, request, context):
        return snapshot_to_pb(self.sn.update(request.key, dict(request.labels)))


class DiffService(rpc.DiffServicer):
    def __init__(self, differ) -> None:
        self.differ = differ

    @servicer_method
    def Apply(self, request, context):
        applied = self.differ.apply(desc_from_pb(request.diff), mounts_from_pb(request.mounts))
        return pb.ApplyResponse(applied=desc_to_pb(applied))

    @servicer_method
    def Diff(self, request, context):
        layer = self.differ.compare(mounts_from_pb(request.left), mounts_from_pb(request.right),
                                    media_type=request.media_type, ref=request.ref,
                                    labels=dict(request.labels) or None)
        return pb.DiffResponse(diff=desc_to_pb(layer.descriptor), diff_id=layer.diff_id)
