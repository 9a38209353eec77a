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

USAGE = "usage: minidocker-shim --id ID --bundle DIR --address SOCKET --run-dir DIR"
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


def _daemon(args: Args, ready_w: int) -> None:
    """The shim proper, in its own session."""
    from .. import trace

    phases = trace.Phases()
    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    log = os.open(os.path.join(args.bundle, "shim.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    os.chdir(args.bundle)

    # Listen and say so first: containerd's side of the start-up (recording the shim, connecting, sending
    # create) then overlaps with the imports below; its requests wait in the listen backlog meanwhile.
    import socket

    listener = _listen(socket, args.address)
    phases.mark("fork, setsid, listen")
    os.write(ready_w, f"{os.getpid()} {args.address}\n".encode())
    os.close(ready_w)

    from ..linux import process
    from .server import Server
    from .service import TaskService
    from .warm import preload

    preload()  # minirunc's modules, once: each runtime command is then a fork of this shim (warm.py)
    process.set_name("minidocker-shim")
    process.set_child_subreaper()
    service = TaskService(args.id, args.bundle, args.run_dir)
    server = Server(service, args.address, listener)
    phases.mark("imports, subreaper")
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


def main(argv: list[str] | None = None) -> int:
    from .. import trace

    trace.started("shim")
    args = _parse(sys.argv[1:] if argv is None else argv)
    if not os.path.isdir(args.bundle):
        print(f"minidocker-shim: bundle {args.bundle}: no such directory", file=sys.stderr)
        return 1
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        try:
            _daemon(args, ready_w)
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
