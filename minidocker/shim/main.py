"""minidocker-shim: the per-container process between containerd and the runtime (cf. containerd
cmd/containerd-shim-runc-v2, its `start` command and its daemon).

    minidocker-shim --id ID --bundle DIR --address SOCKET --run-dir DIR

containerd runs this; it forks the real shim, which starts a new session (so it is no child of
containerd and no signal to containerd's group reaches it), names itself, becomes the child
subreaper, listens on SOCKET and reports readiness. The first process then prints
"<shim pid> <address>" and exits, and the shim is re-parented to init. The shim's stdio goes to
<bundle>/shim.log. Kept stdlib-only: it starts on every `run`.
"""

from __future__ import annotations

import os
import sys
import threading

CREATE_DEADLINE_S = 120.0  # a shim never asked to create its container exits after this long

USAGE = "usage: minidocker-shim --id ID --bundle DIR --address SOCKET --run-dir DIR | --spare SOCKET"
SPARE_NAME = "shim-spare"
OPTIONS = ("id", "bundle", "address", "run_dir")


class Args:
    """The four options, every one required (argparse would cost the shim 2 MB of RSS)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.id = values["id"]
        self.bundle = values["bundle"]
        self.address = values["address"]
        self.run_dir = values["run_dir"]


def _parse(argv: list[str]) -> Args:
    values: dict[str, str] = {}
    it = iter(argv)
    for flag in it:
        name = flag[2:].replace("-", "_") if flag.startswith("--") else ""
        if "=" in name:
            name, value = name.split("=", 1)
        else:
            value = next(it, None)
        if name not in OPTIONS or value is None:
            raise SystemExit(f"minidocker-shim: bad argument {flag!r}\n{USAGE}")
        values[name] = value
    missing = [f"--{n.replace('_', '-')}" for n in OPTIONS if n not in values]
    if missing:
        raise SystemExit(f"minidocker-shim: missing {' '.join(missing)}\n{USAGE}")
    return Args(values)


def _stdio_to(path: str) -> None:
    """stdin from /dev/null, stdout and stderr appended to path."""
    null = os.open(os.devnull, os.O_RDONLY)
    log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)


def _daemon(args: Args, ready_w: int) -> None:
    """The shim proper, in its own session."""
    from .. import trace

    phases = trace.Phases()
    os.setsid()
    _stdio_to(os.path.join(args.bundle, "shim.log"))
    os.chdir(args.bundle)

    # Listen and say so first: containerd's side of the start-up (recording the shim, connecting, sending
    # create) then overlaps with the imports below; its requests wait in the listen backlog meanwhile.
    import socket

    listener = _listen(socket, args.address)
    phases.mark("fork, setsid, listen")
    os.write(ready_w, f"{os.getpid()} {args.address}\n".encode())
    os.close(ready_w)

    _imports()
    phases.mark("imports")
    _serve(args, listener)


def _imports() -> None:
    from .server import Server  # noqa: F401
    from .service import TaskService  # noqa: F401
    from .warm import preload

    preload()  # minirunc's modules, once: each runtime command is then a fork of this shim (warm.py)


def _serve(args: Args, listener) -> None:
    from ..linux import process
    from .server import Server
    from .service import TaskService

    process.set_name("minidocker-shim")
    process.set_child_subreaper()
    service = TaskService(args.id, args.bundle, args.run_dir)
    server = Server(service, args.address, listener)
    threading.Timer(CREATE_DEADLINE_S, _give_up_if_idle, (service, server)).start()
    server.serve()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # daemon threads (a stdin FIFO still waiting for a writer) must not delay the exit


def _listen(socket, address: str):
    """The shim's listening socket (owner-only: it takes orders to kill and delete)."""
    os.makedirs(os.path.dirname(address), exist_ok=True)
    if os.path.exists(address):
        os.unlink(address)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o077)
    try:
        sock.bind(address)
    finally:
        os.umask(old_umask)
    sock.listen(64)
    return sock


def _give_up_if_idle(service, server) -> None:
    """containerd died between starting this shim and asking it to create: nobody will ever come."""
    if service.init is None:
        service.finished.set()
        server.stop()


def _spare(address: str, ready_w: int) -> None:
    """A spare shim: started, imported and waiting before any container needs it (cf. a zygote). containerd
    keeps one connection to it; the first line it sends names the container (id, bundle, address, run dir),
    and from then on this process is that container's shim, as if started for it. EOF first: containerd
    has gone, so nobody will ever need this spare: it exits."""
    import json
    import socket

    from .. import trace

    os.setsid()
    _stdio_to(os.devnull)
    os.chdir("/")
    spare = _listen(socket, address)
    _imports()
    from ..linux import process

    process.set_name(SPARE_NAME)  # not a container's shim yet: `ps` and the course's diagrams skip it
    os.write(ready_w, f"{os.getpid()} {address}\n".encode())
    os.close(ready_w)
    conn, _ = spare.accept()
    spare.close()
    os.unlink(address)
    with conn, conn.makefile("rb") as reader:
        line = reader.readline(65536)
        if not line:
            os._exit(0)
        phases = trace.Phases()
        try:
            if os.getpriority(os.PRIO_PROCESS, 0) != 0:
                os.setpriority(os.PRIO_PROCESS, 0, 0)  # started niced (containerd's Spares): a shim is not
            args = Args(json.loads(line))
            _stdio_to(os.path.join(args.bundle, "shim.log"))
            os.chdir(args.bundle)
            listener = _listen(socket, args.address)
        except Exception as err:  # noqa: BLE001 - said to containerd, which then starts a shim the usual way
            conn.sendall(f"error {type(err).__name__}: {err}\n".encode())
            os._exit(1)
        phases.mark("spare assigned: listen")
        conn.sendall(f"{os.getpid()} {args.address}\n".encode())
    _serve(args, listener)


def main(argv: list[str] | None = None) -> int:
    from .. import trace

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 2 and argv[0] == "--spare":
        trace.started("shim", "spare: interpreter start-up")  # ahead of need, off the run's path
        return _launch(_spare, argv[1])
    trace.started("shim")
    args = _parse(argv)
    if not os.path.isdir(args.bundle):
        print(f"minidocker-shim: bundle {args.bundle}: no such directory", file=sys.stderr)
        return 1
    return _launch(_daemon, args)


def _launch(daemon, arg) -> int:
    """Fork the daemon, print its readiness line and exit (the daemon lives on in its own session)."""
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        try:
            daemon(arg, ready_w)
        except BaseException as err:  # noqa: BLE001 - whatever it was, say it on the readiness pipe
            try:
                os.write(ready_w, f"error {type(err).__name__}: {err}\n".encode())
            finally:
                os._exit(1)
    os.close(ready_w)
    with os.fdopen(ready_r, "rb") as ready:
        line = ready.readline().decode().strip()
    if not line or line.startswith("error"):
        print(f"minidocker-shim: {line or 'the shim died before it was ready'}", file=sys.stderr)
        return 1
    print(line, flush=True)
    os._exit(0)  # nothing to tear down: the shim lives on in its own session


if __name__ == "__main__":
    sys.exit(main())
