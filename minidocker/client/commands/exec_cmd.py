"""`minidocker exec [-i] [-t] [-d] [-e] [-w] [-u] CONTAINER COMMAND...` (cf. docker/cli cli/command/container/exec.go).

inspect -> exec create -> exec start (hijacked, on its own connection) -> exec inspect for the exit code.
"""

from __future__ import annotations

import sys

from .. import config as cfg
from ..errors import APIError
from ..flags import REMAINDER

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any


def exec__args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-d", "--detach", action="store_true", help="Detached mode: run command in the background")
    p.add_argument("-e", "--env", action="append", default=[], help="Set environment variables")
    p.add_argument("--env-file", action="append", default=[], help="Read in a file of environment variables")
    p.add_argument("-i", "--interactive", action="store_true", help="Keep STDIN open even if not attached")
    p.add_argument("--privileged", action="store_true", help="Give extended privileges to the command")
    p.add_argument("-t", "--tty", action="store_true", help="Allocate a pseudo-TTY")
    p.add_argument("-u", "--user", default="", help="Username or UID")
    p.add_argument("-w", "--workdir", default="", help="Working directory inside the container")
    p.add_argument("--detach-keys", default="", help="Override the key sequence for detaching a container")
    p.add_argument("container", metavar="CONTAINER")
    p.add_argument("command", nargs=REMAINDER, metavar="COMMAND")


def exec_(cli: Any, a: argparse.Namespace) -> int:
    from ..stdio import RawTerminal, detach_keys_setting, pump

    if not a.command:
        cli.warn("minidocker: 'minidocker exec' requires at least 2 arguments\n\n"
                 "Usage:  minidocker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\n"
                 "See 'minidocker exec --help' for more information")
        return 1
    if a.tty and a.interactive and not sys.stdin.isatty():
        cli.warn("the input device is not a TTY")
        return 1
    api = cli.api
    api.inspect_container(a.container)
    body = {"User": a.user, "Privileged": a.privileged, "Tty": a.tty, "AttachStdin": a.interactive and not a.detach,
            "AttachStderr": not a.detach, "AttachStdout": not a.detach, "Detach": a.detach, "DetachKeys": detach_keys_setting(a.detach_keys),
            "Env": cfg.parse_env(a.env, a.env_file) or None, "WorkingDir": a.workdir, "Cmd": a.command}
    if a.tty and sys.stdout.isatty():
        import os

        cols, rows = os.get_terminal_size(sys.stdout.fileno())
        body["ConsoleSize"] = [rows, cols]
    exec_id = api._json("POST", f"/containers/{a.container}/exec", body=body)["Id"]
    if a.detach:
        api._call("POST", f"/exec/{exec_id}/start", body={"Detach": True, "Tty": a.tty})
        return 0
    start_body: dict[str, Any] = {"Detach": False, "Tty": a.tty}
    if "ConsoleSize" in body:
        start_body["ConsoleSize"] = body["ConsoleSize"]
    try:
        stream = api.transport.hijack("POST", f"/exec/{exec_id}/start", body=start_body)
    except APIError as err:
        from .run import NOT_FOUND_127, CANNOT_INVOKE_126

        cli.warn(str(err))
        text = err.message.lower()
        return 127 if any(s in text for s in NOT_FOUND_127) else 126 if any(s in text for s in CANNOT_INVOKE_126) else 1
    if a.tty and sys.stdin.isatty():
        with RawTerminal(lambda h, w: api.exec_resize(exec_id, h, w)) as term:
            term.send_size()
            detached = pump(stream, True, a.interactive, detach_keys=body["DetachKeys"])
    else:
        detached = pump(stream, a.tty, a.interactive, detach_keys=body["DetachKeys"])
    if detached:
        return 0  # the command runs on in the container
    result = api.exec_inspect(exec_id)
    return int(result.get("ExitCode") or 0)
