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
    from ..linux import mountall  # noqa: F401 - every create mounts the rootfs with it (shim/rootfs.py)
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
    """The spare shim: started and imported before any container needs it, then a template that forks each
    container's shim (cf. a zygote). containerd keeps one connection to it; each line it sends names a
    container (id, bundle, address, run dir) and is answered by "<pid> <address>" of that container's new
    shim, or "error ...". EOF: containerd has gone, nobody will need the template any more: it exits.
    A fork of an imported interpreter costs a few milliseconds; a new interpreter and its imports cost
    tens, which 50 `run`s at once on 2 CPUs pay 50 times."""
    import json
    import socket

    os.setsid()
    _stdio_to(os.devnull)
    os.chdir("/")
    spare = _listen(socket, address)
    _imports()
    from ..linux import process

    process.set_name(SPARE_NAME)  # not a container's shim: `ps` and the course's diagrams skip it
    if os.getpriority(os.PRIO_PROCESS, 0) != 0 and os.geteuid() == 0:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, 0)  # started niced (containerd's Spares); its forks serve runs
        except PermissionError:  # root of a user namespace: stay niced rather than fail (and be restarted per run)
            pass
    os.write(ready_w, f"{os.getpid()} {address}\n".encode())
    os.close(ready_w)
    conn, _ = spare.accept()
    spare.close()
    os.unlink(address)
    reader = conn.makefile("rb")
    import gc

    # Every object so far into the collector's permanent generation: a forked shim's collections never walk
    # (so never write to, so never copy) what it shares with this template: 7 % fewer page faults per shim,
    # 12 % fewer private pages (1693 -> 1575 faults, 3.1 -> 2.7 MB private, measured from /proc).
    gc.freeze()
    while line := reader.readline(65536):
        try:
            answer = _fork_shim(Args(json.loads(line)), socket, (reader, conn))
        except Exception as err:  # noqa: BLE001 - said to containerd, which then starts a shim the usual way
            answer = f"error {type(err).__name__}: {err}"
        conn.sendall(answer.encode() + b"\n")
    os._exit(0)


def _fork_shim(args: Args, socket, held: tuple) -> str:
    """One container's shim, forked twice so that it is no child of the template (re-parented to init, as a
    shim its launcher left). Its socket is bound here first, so containerd may connect at once: requests
    wait in the backlog until the shim serves. The answer line: "<shim pid> <address>"."""
    if not os.path.isdir(args.bundle):
        raise FileNotFoundError(f"bundle {args.bundle}: no such directory")
    listener = _listen(socket, args.address)
    pid_r, pid_w = os.pipe()
    try:
        middle = os.fork()
        if middle == 0:
            try:
                shim = os.fork()
                if shim == 0:
                    os.close(pid_r)
                    os.close(pid_w)
                    _forked(args, listener, held)
                os.write(pid_w, f"{shim}\n".encode())
            finally:
                os._exit(0)
    finally:
        listener.close()  # the shim's copy is the one that serves
        os.close(pid_w)
    with os.fdopen(pid_r, "rb") as r:
        shim = r.readline().strip()
    os.waitpid(middle, 0)
    if not shim.isdigit():
        raise RuntimeError("the forked shim's pid did not arrive")
    return f"{int(shim)} {args.address}"


def _forked(args: Args, listener, held: tuple) -> None:
    """In the new shim: drop the template's connection, take its own session, stdio and directory, serve."""
    import time

    from .. import trace

    forked = time.monotonic_ns()
    try:
        for f in held:  # the makefile first: a socket with a reader still open is not closed yet
            f.close()
        os.setsid()
        _stdio_to(os.path.join(args.bundle, "shim.log"))
        os.chdir(args.bundle)
    except BaseException:  # noqa: BLE001 - containerd's connect then fails, and it says so
        os._exit(1)
    trace.emit("forked from the spare shim", forked, time.monotonic_ns())
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
