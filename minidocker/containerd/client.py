"""The Python client of minicontainerd's gRPC API, what dockerd uses (cf. containerd client/client.go).

    from minidocker.containerd.client import ContainerdClient
    from minidocker.containerd.types import IO

    c = ContainerdClient()                      # paths.containerd_socket() unless a socket_path is given
    c.containers.create(id, spec_json_bytes, snapshot_key="", runtime="", labels={}, image="") -> Container
        runtime: "" (minirunc, the default), "runc", "crun" or a path; spec: config.json bytes or a dict
    c.containers.get(id) / .list() / .delete(id)
    c.tasks.create(id, rootfs_mounts, IO(stdin, stdout, stderr, terminal), log_path) -> init pid
        rootfs_mounts: oci.mount.Mount objects or {"type","source","options"} dicts (from the snapshotter)
    c.tasks.start(id, exec_id="") -> pid
    c.tasks.kill(id, signal=15, exec_id="", all=False)
    c.tasks.wait(id, exec_id="") -> ExitStatus(exit_status, exited_at_ns, oom_killed)   (blocks)
    c.tasks.delete(id, exec_id="") -> ExitStatus   (init: runtime delete, rootfs unmounted, shim gone)
    c.tasks.exec(id, exec_id, process_json_bytes, IO(...)); then c.tasks.start(id, exec_id)
    c.tasks.get(id, exec_id="") -> TaskState(container_id, exec_id, status, pid, exit_status, exited_at_ns,
                                              oom_killed, shim_socket, shim_pid)
    c.tasks.list() -> [TaskState]; c.tasks.resize(id, width, height, exec_id=""); c.tasks.close_io(id, exec_id="")
    c.tasks.pids(id) -> [int]
    c.content / c.snapshots / c.diff: the ContentStore, Snapshotter and Applier+Comparer protocols over gRPC
        (remote.py), so code written for the in-process classes runs unchanged against the daemon.
    c.ping(timeout=5) -> bool;  c.close()

Every failure raises the errors.py class the daemon raised: NotFound (no such container, task or exec;
kill of a process that already exited), Conflict (id in use; delete of a running task; start of a started
one; containers.delete while its task exists), InvalidArgument (bad id, spec, runtime), RuntimeFailure (the
runtime's own message, e.g. `runc create: ... no such file or directory`; or an unreachable daemon:
"containerd is not reachable", worth retrying while it restarts). kill's signal 0 means SIGTERM.
"""

from __future__ import annotations

import json
from pathlib import Path

import grpc

from .. import paths
from ..oci.mount import Mount
from .api import containerd_pb2 as pb
from .api import containerd_pb2_grpc as rpc
from .grpcerrors import from_rpc_error
from .metadata import Container
from .types import IO, ExitStatus, TaskState


def _mount_pb(m) -> pb.Mount:
    if isinstance(m, dict):
        m = Mount.from_dict(m)
    return pb.Mount(type=m.type, source=m.source, options=list(m.options))


def _io_pb(io: IO | None) -> pb.IO:
    io = io or IO()
    return pb.IO(stdin=io.stdin, stdout=io.stdout, stderr=io.stderr, terminal=io.terminal)


def _exit(e: pb.ExitStatus) -> ExitStatus:
    return ExitStatus(exit_status=e.exit_status, exited_at_ns=e.exited_at_ns, oom_killed=e.oom_killed)


def _state(s: pb.TaskState) -> TaskState:
    return TaskState(container_id=s.container_id, exec_id=s.exec_id, status=s.status, pid=s.pid,
                     exit_status=s.exit_status, exited_at_ns=s.exited_at_ns, oom_killed=s.oom_killed,
                     shim_socket=s.shim_socket, shim_pid=s.shim_pid)


def _container(c: pb.Container) -> Container:
    return Container(id=c.id, spec=c.spec, snapshot_key=c.snapshot_key, runtime=c.runtime, image=c.image,
                     labels=dict(c.labels), created_at=c.created_at)


class _Calls:
    """Calls one stub's methods, turning gRPC errors into errors.py exceptions."""

    def __init__(self, stub) -> None:
        self._stub = stub

    def _call(self, name: str, request, timeout: float | None = None):
        try:
            return getattr(self._stub, name)(request, timeout=timeout)
        except grpc.RpcError as err:
            raise from_rpc_error(err) from None


class Containers(_Calls):
    def create(self, id: str, spec: bytes | dict, snapshot_key: str = "", runtime: str = "",
               labels: dict[str, str] | None = None, image: str = "") -> Container:
        if isinstance(spec, dict):
            spec = json.dumps(spec).encode()
        req = pb.Container(id=id, spec=spec, snapshot_key=snapshot_key, runtime=runtime, labels=labels or {},
                           image=image)
        return _container(self._call("Create", req))

    def get(self, id: str) -> Container:
        return _container(self._call("Get", pb.ContainerID(id=id)))

    def list(self) -> list[Container]:
        return [_container(c) for c in self._call("List", pb.Empty()).containers]

    def delete(self, id: str) -> None:
        self._call("Delete", pb.ContainerID(id=id))


class Tasks(_Calls):
    def create(self, id: str, rootfs: list | None = None, io: IO | None = None, log_path: str = "") -> int:
        req = pb.CreateTaskRequest(container_id=id, rootfs=[_mount_pb(m) for m in rootfs or []], io=_io_pb(io),
                                   log_path=log_path)
        return self._call("Create", req).pid

    def start(self, id: str, exec_id: str = "") -> int:
        return self._call("Start", pb.TaskRef(container_id=id, exec_id=exec_id)).pid

    def kill(self, id: str, signal: int = 15, exec_id: str = "", all: bool = False) -> None:
        self._call("Kill", pb.KillRequest(container_id=id, exec_id=exec_id, signal=signal, all=all))

    def wait(self, id: str, exec_id: str = "", timeout: float | None = None) -> ExitStatus:
        return _exit(self._call("Wait", pb.TaskRef(container_id=id, exec_id=exec_id), timeout=timeout))

    def delete(self, id: str, exec_id: str = "") -> ExitStatus:
        return _exit(self._call("Delete", pb.TaskRef(container_id=id, exec_id=exec_id)))

    def exec(self, id: str, exec_id: str, process: bytes | dict, io: IO | None = None) -> None:
        if isinstance(process, dict):
            process = json.dumps(process).encode()
        self._call("Exec", pb.ExecRequest(container_id=id, exec_id=exec_id, process=process, io=_io_pb(io)))

    def get(self, id: str, exec_id: str = "") -> TaskState:
        return _state(self._call("Get", pb.TaskRef(container_id=id, exec_id=exec_id)))

    def list(self) -> list[TaskState]:
        return [_state(s) for s in self._call("List", pb.Empty()).tasks]

    def resize(self, id: str, width: int, height: int, exec_id: str = "") -> None:
        self._call("ResizePty", pb.ResizeRequest(container_id=id, exec_id=exec_id, width=width, height=height))

    def close_io(self, id: str, exec_id: str = "", stdin: bool = True) -> None:
        self._call("CloseIO", pb.CloseIORequest(container_id=id, exec_id=exec_id, stdin=stdin))

    def pids(self, id: str) -> list[int]:
        return [p.pid for p in self._call("Pids", pb.TaskRef(container_id=id)).processes]

    def pause(self, id: str) -> None:
        self._call("Pause", pb.TaskRef(container_id=id))

    def resume(self, id: str) -> None:
        self._call("Resume", pb.TaskRef(container_id=id))

    def update(self, id: str, resources: bytes | dict) -> None:
        if isinstance(resources, dict):
            resources = json.dumps(resources).encode()
        self._call("Update", pb.UpdateTaskRequest(container_id=id, resources=resources))


class ContainerdClient:
    """One channel to minicontainerd, with the services as attributes."""

    def __init__(self, socket_path: str | Path | None = None) -> None:
        self.socket_path = Path(socket_path) if socket_path else paths.containerd_socket()
        self.channel = grpc.insecure_channel(f"unix:{self.socket_path}", options=[
            ("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)])
        self.containers = Containers(rpc.ContainersStub(self.channel))
        self.tasks = Tasks(rpc.TasksStub(self.channel))
        self._remote: dict[str, object] = {}

    def _adapter(self, name: str):
        if name not in self._remote:
            from . import remote

            self._remote[name] = getattr(remote, name)(self.channel)
        return self._remote[name]

    @property
    def content(self):
        """A ContentStore (content/store.py protocol) backed by the daemon."""
        return self._adapter("RemoteContentStore")

    @property
    def snapshots(self):
        """A Snapshotter (snapshots/snapshotter.py protocol) backed by the daemon."""
        return self._adapter("RemoteSnapshotter")

    @property
    def diff(self):
        """An Applier and Comparer (diff/differ.py protocols) backed by the daemon."""
        return self._adapter("RemoteDiff")

    def ping(self, timeout: float = 5.0) -> bool:
        """Whether the daemon answers within `timeout` seconds."""
        # One real call that waits for the connection (grpc.channel_ready_future leaves a connectivity poller
        # on the channel that raises "Channel closed!" in its thread when close() follows within 0.2 s).
        try:
            rpc.ContainersStub(self.channel).Get(pb.ContainerID(id=""), timeout=timeout, wait_for_ready=True)
        except grpc.RpcError as err:
            return err.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
        return True

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> "ContainerdClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
