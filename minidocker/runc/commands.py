"""One function per minirunc verb: arguments in, output and exit code out (cf. runc's create.go, state.go, list.go ...)."""

from __future__ import annotations

import os
import _signal as signal  # the C module: the signal package imports enum (~3 ms a run)
import sys

from .. import jsonfast
from ..errors import InvalidArgument
from . import container
from .log import Log
from .state import State, list_ids


def parse_signal(text: str) -> int:
    """runc accepts 9, KILL and SIGKILL alike."""
    if text.isdigit():
        return int(text)
    name = text.upper()
    number = getattr(signal, name if name.startswith("SIG") else "SIG" + name, None)
    if not isinstance(number, int):
        raise InvalidArgument(f"unknown signal {text!r}")
    return int(number)


def cmd_create(root: str, args, log: Log) -> int:
    state = container.create(root, args.id, args.bundle, args.pid_file, args.console_socket, args.no_pivot,
                             warn=log.warn, new_keyring=not args.no_new_keyring, preserve_fds=args.preserve_fds,
                             debug=log.debug)
    log.debug(f"created {args.id}: init pid {state.pid} waits on {state.directory}/exec.fifo")
    return 0


def cmd_start(root: str, args, log: Log) -> int:
    state = container.start(root, args.id, warn=log.warn)
    log.debug(f"started {args.id}: init pid {state.pid} released")
    return 0


def cmd_state(root: str, args, log: Log) -> int:
    import json  # indent: only `state` and `features` print it

    print(json.dumps(State.load(root, args.id).oci(), indent=2))
    return 0


def cmd_kill(root: str, args, log: Log) -> int:
    container.kill(root, args.id, parse_signal(args.signal), args.all)
    return 0


def cmd_pause(root: str, args, log: Log) -> int:
    container.pause(root, args.id)
    return 0


def cmd_resume(root: str, args, log: Log) -> int:
    container.resume(root, args.id)
    return 0


def cmd_update(root: str, args, log: Log) -> int:
    """--resources FILE (or - for stdin) holds linux.resources as JSON, as containerd sends it; the flags
    are runc's shorthands for the common limits."""
    raw: dict = {}
    if args.resources:
        text = sys.stdin.read() if args.resources == "-" else open(args.resources).read()
        try:
            raw = jsonfast.loads(text)
        except ValueError as e:
            raise InvalidArgument(f"update --resources: not valid JSON: {e}") from None
    for flag, (group, key) in {"memory": ("memory", "limit"), "memory_swap": ("memory", "swap"),
                               "pids_limit": ("pids", "limit"), "cpu_shares": ("cpu", "shares"),
                               "cpu_quota": ("cpu", "quota"), "cpu_period": ("cpu", "period")}.items():
        value = getattr(args, flag)
        if value is not None:
            raw.setdefault(group, {})[key] = int(value)
    container.update(root, args.id, raw)
    return 0


def cmd_delete(root: str, args, log: Log) -> int:
    container.delete(root, args.id, args.force, warn=log.warn)
    log.debug(f"deleted {args.id}")
    return 0


def cmd_run(root: str, args, log: Log) -> int:
    """create + start, then (unless -d) wait, passing signals on and the exit code back; then delete."""
    from .console import proxy, receive_master

    console_fd = mine = None
    bundle = container.Bundle(args.bundle)
    if not args.detach and not args.console_socket:
        if bundle.spec.process.terminal:
            import socket

            mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            console_fd = theirs.detach()
    state = container.create(root, args.id, bundle, args.pid_file, args.console_socket, args.no_pivot,
                             console_fd=console_fd, warn=log.warn, new_keyring=not args.no_new_keyring,
                             preserve_fds=args.preserve_fds, debug=log.debug)
    try:
        container.start(root, args.id, warn=log.warn)
    except BaseException:
        container.delete(root, args.id, force=True, warn=log.warn)
        raise
    if args.detach:
        return 0
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
                signal.SIGWINCH):
        signal.signal(sig, lambda number, _frame: _forward(state.pid, number))
    if mine is not None:
        proxy(receive_master(mine.detach()))
    code = container.wait_exit(state.pid)
    if not args.keep:
        container.delete(root, args.id, force=True, warn=log.warn)
    return code


def _forward(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        pass


def cmd_list(root: str, args, log: Log) -> int:
    states = []
    for cid in list_ids(root):
        try:
            states.append({**State.load(root, cid).oci(), "owner": "root"})
        except Exception:  # noqa: BLE001 - a container being deleted right now is simply not listed
            continue
    if args.quiet:
        print("\n".join(s["id"] for s in states))
    elif args.format == "json":
        print(jsonfast.dumps([{k: v for k, v in s.items() if k != "annotations"} for s in states] or None))
    else:
        rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
        rows += [[s["id"], str(s["pid"]), s["status"], s["bundle"], s["created"], s["owner"]] for s in states]
        sys.stdout.write(_table(rows))
    return 0


def _table(rows: list[list[str]]) -> str:
    """Go's tabwriter as runc sets it up: columns at least 12 wide, 3 spaces of padding, last column free."""
    widths = [max(12, max(len(r[i]) for r in rows) + 3) for i in range(len(rows[0]) - 1)]
    return "".join("".join(c.ljust(w) for c, w in zip(r, widths)) + r[-1] + "\n" for r in rows)


def cmd_spec(root: str, args, log: Log) -> int:
    from .spec import write

    write(args.bundle, rootless_ids=(os.geteuid(), os.getegid()) if args.rootless else None)
    return 0


def cmd_ps(root: str, args, log: Log) -> int:
    from .cgroups import procs

    pids = procs(State.load(root, args.id).data["cgroup_paths"])
    if args.format == "json":
        print(jsonfast.dumps(pids))
    else:
        print("PID")
        for pid in pids:
            print(pid)
    return 0


def cmd_exec(root: str, args, log: Log) -> int:
    from .exec import exec_command

    return exec_command(root, args, log)


def cmd_features(root: str, args, log: Log) -> int:
    from .features import document

    import json

    print(json.dumps(document(), indent="    "))
    return 0
