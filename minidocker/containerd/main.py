"""minicontainerd: the long-running daemon serving containerd.proto on a unix socket (cf. containerd cmd/containerd).

    minicontainerd [--socket PATH]

State: container records and the content store and snapshots under <state>/containerd, task
bundles and shim sockets under <run>/containerd and <run>/s (paths.py; MINIDOCKER_ROOT relocates
both). On start it re-adopts the shims of the tasks it left running. SIGTERM/SIGINT stop it
gracefully; the containers and their shims live on either way.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from concurrent import futures
from pathlib import Path

from .. import paths

log = logging.getLogger("minicontainerd")

# Every Wait holds a server thread until its process exits: leave plenty for concurrent waiters.
MAX_WORKERS = 256


def build_server(socket_path: Path, state: Path, run: Path):
    """The gRPC server with every service registered, and the task manager (already reconnected)."""
    import grpc

    from .api import containerd_pb2_grpc as rpc
    from .metadata import ContainerStore
    from .service import ContainersService, TasksService
    from .tasks import TaskManager

    if socket_path.exists() or socket_path.is_symlink():  # first: a second daemon must touch nothing
        if _answers(socket_path):
            raise RuntimeError(f"another minicontainerd is listening on {socket_path}")
        socket_path.unlink()  # a stale socket left by a killed daemon
    containers = ContainerStore(state / "containers")
    tasks = TaskManager(containers, run)
    adopted = tasks.reconnect()
    log.info("re-adopted %d running shim(s)", adopted)

    from .. import trace

    interceptors = []
    if trace.directory():  # only when tracing: no wrapper per call otherwise
        from .tracing import SpanInterceptor

        interceptors.append(SpanInterceptor())
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="rpc"),
                         interceptors=interceptors, maximum_concurrent_rpcs=None)
    rpc.add_ContainersServicer_to_server(ContainersService(containers, tasks), server)
    rpc.add_TasksServicer_to_server(TasksService(tasks), server)
    _add_storage(server, state, rpc)
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    server.add_insecure_port(f"unix:{socket_path}")
    return server, tasks


def _answers(socket_path: Path) -> bool:
    """Whether something accepts connections on the unix socket."""
    import socket

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(str(socket_path))
        return True
    except OSError:
        return False
    finally:
        s.close()


def _add_storage(server, state: Path, rpc) -> None:
    """Content, Snapshots and Diff, backed by the in-process implementations (loaded lazily: each is optional)."""
    from .storage_service import ContentService, DiffService, SnapshotsService

    try:
        from .content import LocalStore

        store = LocalStore(state / "content")
    except (ImportError, AttributeError) as err:
        log.warning("no content store: %s", err)
        return
    rpc.add_ContentServicer_to_server(ContentService(store), server)
    try:
        from .snapshots import OverlaySnapshotter

        rpc.add_SnapshotsServicer_to_server(SnapshotsService(OverlaySnapshotter(state / "snapshots" / "overlayfs")),
                                            server)
    except (ImportError, AttributeError) as err:
        log.warning("no snapshotter: %s", err)
    try:
        from .diff import DiffService as Differ

        rpc.add_DiffServicer_to_server(DiffService(Differ(store)), server)
    except (ImportError, AttributeError) as err:
        log.warning("no diff service: %s", err)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="minicontainerd", description="minidocker's containerd: gRPC on a unix socket")
    parser.add_argument("--socket", default=None, help="listen here (default: paths.containerd_socket())")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s minicontainerd %(levelname)s %(message)s")

    from ..linux import process

    process.set_name("minicontainerd")
    from .. import trace

    trace.set_role("containerd")
    socket_path = Path(args.socket) if args.socket else paths.containerd_socket()
    state = paths.state_dir() / "containerd"
    run = paths.run_dir()
    # Layers (setuid programs), bundles (config.json with the containers' environment) and runtime
    # state are root's alone (cf. containerd's CVE-2021-41103 fix: 0700 snapshotter and bundle roots).
    paths.restrict(state, 0o711)
    for d in (state / "snapshots", state / "content", state / "containers", run / "containerd", paths.runc_root()):
        paths.restrict(d, paths.PRIVATE_MODE)
    try:
        server, tasks = build_server(socket_path, state, run)
    except Exception as err:  # noqa: BLE001 - one line and a non-zero exit, not a traceback
        print(f"minicontainerd: {err}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server.start()
    from .shims import keep_spare

    keep_spare(str(tasks.run_dir))  # a shim started ahead of the first container (shims.Spares)
    os.chmod(socket_path, 0o600)
    log.info("serving on %s", socket_path)
    stop.wait()
    server.stop(grace=2).wait()
    try:
        socket_path.unlink()
    except FileNotFoundError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
