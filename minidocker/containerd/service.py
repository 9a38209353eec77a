"""The Containers and Tasks gRPC services: proto messages in, TaskManager/ContainerStore calls, proto out
(cf. containerd plugins/services/containers and plugins/services/tasks)."""

from __future__ import annotations

from ..errors import Conflict
from .api import containerd_pb2 as pb
from .api import containerd_pb2_grpc as rpc
from .grpcerrors import servicer_method
from .metadata import Container, ContainerStore
from .tasks import TaskManager
from .types import IO, ExitStatus, TaskState


def container_to_pb(c: Container) -> pb.Container:
    return pb.Container(id=c.id, image=c.image, runtime=c.runtime, spec=c.spec, snapshot_key=c.snapshot_key,
                        labels=c.labels, created_at=c.created_at)


def io_from_pb(io: pb.IO) -> IO:
    return IO(stdin=io.stdin, stdout=io.stdout, stderr=io.stderr, terminal=io.terminal)


def mounts_from_pb(mounts) -> list[dict]:
    return [{"type": m.type, "source": m.source, "options": list(m.options)} for m in mounts]


def exit_to_pb(e: ExitStatus) -> pb.ExitStatus:
    return pb.ExitStatus(exit_status=e.exit_status, exited_at_ns=e.exited_at_ns, oom_killed=e.oom_killed)


def state_to_pb(s: TaskState) -> pb.TaskState:
    return pb.TaskState(container_id=s.container_id, exec_id=s.exec_id, status=s.status, pid=s.pid,
                        exit_status=s.exit_status, exited_at_ns=s.exited_at_ns, oom_killed=s.oom_killed,
                        shim_socket=s.shim_socket, shim_pid=s.shim_pid)


class ContainersService(rpc.ContainersServicer):
    def __init__(self, store: ContainerStore, tasks: TaskManager) -> None:
        self.store = store
        self.tasks = tasks

    @servicer_method
    def Create(self, request, context):
        c = Container(id=request.id, spec=request.spec, snapshot_key=request.snapshot_key, runtime=request.runtime,
                      image=request.image, labels=dict(request.labels))
        return container_to_pb(self.store.create(c))

    @servicer_method
    def Get(self, request, context):
        return container_to_pb(self.store.get(request.id))

    @servicer_method
    def List(self, request, context):
        return pb.ListContainersResponse(containers=[container_to_pb(c) for c in self.store.list()])

    @servicer_method
    def Delete(self, request, context):
        if request.id in self.tasks.shims:
            raise Conflict(f"container {request.id}: its task still exists: delete the task first")
        self.store.delete(request.id)
        return pb.Empty()


class TasksService(rpc.TasksServicer):
    def __init__(self, tasks: TaskManager) -> None:
        self.tasks = tasks

    @servicer_method
    def Create(self, request, context):
        pid = self.tasks.create(request.container_id, mounts_from_pb(request.rootfs), io_from_pb(request.io),
                                request.log_path)
        return pb.PidResponse(pid=pid)

    @servicer_method
    def Start(self, request, context):
        return pb.PidResponse(pid=self.tasks.start(request.container_id, request.exec_id))

    @servicer_method
    def Kill(self, request, context):
        self.tasks.kill(request.container_id, request.signal or 15, request.exec_id, request.all)
        return pb.Empty()

    @servicer_method
    def Wait(self, request, context):
        return exit_to_pb(self.tasks.wait(request.container_id, request.exec_id))

    @servicer_method
    def Delete(self, request, context):
        return exit_to_pb(self.tasks.delete(request.container_id, request.exec_id))

    @servicer_method
    def Exec(self, request, context):
        self.tasks.exec(request.container_id, request.exec_id, request.process, io_from_pb(request.io))
        return pb.Empty()

    @servicer_method
    def Get(self, request, context):
        return state_to_pb(self.tasks.get(request.container_id, request.exec_id))

    @servicer_method
    def List(self, request, context):
        return pb.ListTasksResponse(tasks=[state_to_pb(s) for s in self.tasks.list()])

    @servicer_method
    def ResizePty(self, request, context):
        self.tasks.resize(request.container_id, request.width, request.height, request.exec_id)
        return pb.Empty()

    @servicer_method
    def CloseIO(self, request, context):
        self.tasks.close_io(request.container_id, request.exec_id, request.stdin)
        return pb.Empty()

    @servicer_method
    def Pids(self, request, context):
        return pb.PidsResponse(processes=[pb.ProcessInfo(pid=p) for p in self.tasks.pids(request.container_id)])

    @servicer_method
    def Pause(self, request, context):
        self.tasks.pause(request.container_id)
        return pb.Empty()

    @servicer_method
    def Resume(self, request, context):
        self.tasks.resume(request.container_id)
        return pb.Empty()

    @servicer_method
    def Update(self, request, context):
        self.tasks.update(request.container_id, request.resources)
        return pb.Empty()
