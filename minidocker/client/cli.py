"""The `minidocker` command line: global flags, the verb table, errors to exit codes (cf. docker/cli cmd/docker/docker.go).

Start-up is kept lean (the rule is in minidocker/client/__init__.py): the module that implements the verb
(client/commands/<noun>.py) is imported once the verb is known and declares only its own flags, on a
FlagSet (flags.py) that parses a plain command line without argparse; argparse (argparser.py) is built
only for --help, errors and unusual command lines.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any

PROG = "minidocker"

# verb -> (module in client/commands, function). Each module defines `<function>_args(parser)` and
# `<function>(cli, args) -> int`. Grouped verbs ("volume ls") are keyed with a space.
VERBS: dict[str, tuple[str, str]] = {
    "run": ("run", "run"), "create": ("run", "create"), "start": ("start", "start"),
    "ps": ("ps", "ps"), "logs": ("logs", "logs"), "exec": ("exec_cmd", "exec_"),
    "stop": ("lifecycle", "stop"), "kill": ("lifecycle", "kill"), "restart": ("lifecycle", "restart"),
    "rm": ("lifecycle", "rm"), "wait": ("lifecycle", "wait"), "top": ("lifecycle", "top"),
    "rename": ("lifecycle", "rename"), "inspect": ("inspect", "inspect"), "cp": ("cp", "cp"),
    "images": ("images", "images"), "rmi": ("images", "rmi"), "tag": ("images", "tag"),
    "history": ("images", "history"), "pull": ("registry", "pull"), "push": ("registry", "push"),
    "search": ("registry", "search"), "save": ("archive", "save"), "load": ("archive", "load"),
    "import": ("archive", "import_"), "export": ("archive", "export"), "build": ("build", "build"),
    "version": ("system", "version"), "info": ("system", "info"),
    "container ls": ("ps", "ps"), "container list": ("ps", "ps"), "container ps": ("ps", "ps"),
    "container run": ("run", "run"), "container create": ("run", "create"), "container start": ("start", "start"),
    "container logs": ("logs", "logs"), "container exec": ("exec_cmd", "exec_"),
    "container stop": ("lifecycle", "stop"), "container kill": ("lifecycle", "kill"),
    "container restart": ("lifecycle", "restart"), "container rm": ("lifecycle", "rm"),
    "container wait": ("lifecycle", "wait"), "container top": ("lifecycle", "top"),
    "container inspect": ("inspect", "container_inspect"), "container cp": ("cp", "cp"),
    "container prune": ("lifecycle", "prune"), "container export": ("archive", "export"),
    "image ls": ("images", "images"), "image list": ("images", "images"), "image rm": ("images", "rmi"),
    "image tag": ("images", "tag"), "image history": ("images", "history"), "image inspect": ("inspect", "image_inspect"),
    "image prune": ("images", "prune"), "image pull": ("registry", "pull"), "image push": ("registry", "push"),
    "image save": ("archive", "save"), "image load": ("archive", "load"), "image import": ("archive", "import_"),
    "image build": ("build", "build"),
    "volume create": ("volume", "create"), "volume ls": ("volume", "ls"), "volume list": ("volume", "ls"),
    "volume inspect": ("volume", "inspect"), "volume rm": ("volume", "rm"), "volume prune": ("volume", "prune"),
    "system df": ("system", "df"), "system info": ("system", "info"), "system prune": ("system", "prune"),
    "daemon start": ("daemon", "start"), "daemon stop": ("daemon", "stop"), "daemon status": ("daemon", "status"),
    "rootless delegate": ("rootless", "delegate"), "rootless undelegate": ("rootless", "undelegate"),
    "rootless enter": ("rootless", "enter"),
    "registry serve": ("serve_registry", "serve"), "registry gc": ("serve_registry", "gc"),
    "network ls": ("network", "ls"), "network list": ("network", "ls"), "network create": ("network", "create"),
    "network inspect": ("network", "inspect"), "network rm": ("network", "rm"), "network prune": ("network", "prune"),
    "network connect": ("network", "connect"), "network disconnect": ("network", "disconnect"),
    "port": ("network", "port"), "container port": ("network", "port"),
    "attach": ("start", "attach"), "container attach": ("start", "attach"),
    "stats": ("stats", "stats"), "container stats": ("stats", "stats"),
    "login": ("login", "login"), "logout": ("login", "logout"),
    "pause": ("control", "pause"), "unpause": ("control", "unpause"), "update": ("control", "update"),
    "container pause": ("control", "pause"), "container unpause": ("control", "unpause"),
    "container update": ("control", "update"),
}
GROUPS = {"container", "image", "volume", "system", "daemon", "registry", "network", "rootless"}

# verb -> (synopsis, what docker says when positional arguments are missing)
SYNOPSIS: dict[str, tuple[str, str]] = {
    "ps": ("[OPTIONS]", "no arguments"), "images": ("[OPTIONS] [REPOSITORY[:TAG]]", "at most 1 argument"),
    "run": ("[OPTIONS] IMAGE [COMMAND] [ARG...]", "at least 1 argument"),
    "create": ("[OPTIONS] IMAGE [COMMAND] [ARG...]", "at least 1 argument"),
    "start": ("[OPTIONS] CONTAINER [CONTAINER...]", "at least 1 argument"),
    "exec": ("[OPTIONS] CONTAINER COMMAND [ARG...]", "at least 2 arguments"),
    "logs": ("[OPTIONS] CONTAINER", "1 argument"),
    "stop": ("[OPTIONS] CONTAINER [CONTAINER...]", "at least 1 argument"),
    "kill": ("[OPTIONS] CONTAINER [CONTAINER...]", "at least 1 argument"),
    "restart": ("[OPTIONS] CONTAINER [CONTAINER...]", "at least 1 argument"),
    "rm": ("[OPTIONS] CONTAINER [CONTAINER...]", "at least 1 argument"),
    "wait": ("CONTAINER [CONTAINER...]", "at least 1 argument"),
    "top": ("CONTAINER [ps OPTIONS]", "at least 1 argument"),
    "inspect": ("[OPTIONS] NAME|ID [NAME|ID...]", "at least 1 argument"),
    "cp": ("[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-", "exactly 2 arguments"),
    "rmi": ("[OPTIONS] IMAGE [IMAGE...]", "at least 1 argument"),
    "tag": ("SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", "2 arguments"),
    "history": ("[OPTIONS] IMAGE", "1 argument"),
    "pull": ("[OPTIONS] NAME[:TAG|@DIGEST]", "1 argument"),
    "push": ("[OPTIONS] NAME[:TAG]", "1 argument"),
    "search": ("[OPTIONS] TERM", "1 argument"),
    "save": ("[OPTIONS] IMAGE [IMAGE...]", "at least 1 argument"),
    "build": ("[OPTIONS] PATH | URL | -", "1 argument"),
    "export": ("[OPTIONS] CONTAINER", "1 argument"),
    "import": ("[OPTIONS] file|URL|- [REPOSITORY[:TAG]]", "at least 1 argument"),
    "pause": ("CONTAINER [CONTAINER...]", "at least 1 argument"),
    "unpause": ("CONTAINER [CONTAINER...]", "at least 1 argument"),
    "update": ("[OPTIONS] CONTAINER [CONTAINER...]", "at least 1 argument"),
}


class UsageError(Exception):
    """Bad command line: docker prints the reason and a hint, and exits 125 (flags) or 1 (arguments)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class Cli:
    """What every command gets: the API client and its transport (made on first use), the host, the output streams."""

    def __init__(self, host: str | None, debug: bool = False) -> None:
        self.host = host
        self.debug = debug
        self._transport: Any = None
        self._api: Any = None
        self.out = sys.stdout
        self.err = sys.stderr

    @property
    def transport(self) -> Any:
        """The connection to the daemon the API client sends on. `ps` and `images` call it directly: one
        GET each, without importing every endpoint's module as the API client does (~1 ms a command)."""
        if self._transport is None:
            from .transport import Transport

            self._transport = Transport(self.host)
        return self._transport

    @property
    def api(self) -> Any:
        if self._api is None:
            from .api import APIClient

            self._api = APIClient(transport=self.transport)
        return self._api

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def warn(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()


def _split_globals(argv: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Docker's global flags come before the verb: -H/--host, -D/--debug, -v/--version, -h/--help."""
    opts: dict[str, Any] = {"host": None, "debug": False}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-H", "--host"):
            if i + 1 >= len(argv):
                raise UsageError(f"flag needs an argument: {arg}", 125)
            opts["host"] = argv[i + 1]
            i += 2
        elif arg.startswith("--host=") or (arg.startswith("-H") and len(arg) > 2):
            opts["host"] = arg.split("=", 1)[1] if arg.startswith("--host=") else arg[2:]
            i += 1
        elif arg in ("-D", "--debug"):
            opts["debug"] = True
            i += 1
        elif arg in ("-v", "--version"):
            return {**opts, "version": True}, []
        elif arg in ("-h", "--help"):
            return {**opts, "help": True}, []
        elif arg.startswith("-"):
            raise UsageError(f"unknown flag: {arg}", 125)
        else:
            return opts, argv[i:]
    return opts, []


def _usage() -> str:
    verbs = sorted({v.split()[0] for v in VERBS})
    return (f"Usage:  {PROG} [OPTIONS] COMMAND\n\nA mini container engine, built like Docker\n\n"
            f"Options:\n  -H, --host string   Daemon socket to connect to (default $MINIDOCKER_HOST or "
            f"the engine's socket)\n  -D, --debug         Enable debug mode\n  -v, --version       Print version "
            f"information and quit\n\nCommands:\n  " + "\n  ".join(verbs) + "\n")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from .. import trace

    trace.started("client")
    try:
        with trace.span("minidocker " + " ".join(a for a in argv[:1])):
            code = _main(argv)
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 0
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code


def _main(argv: list[str]) -> int:
    try:
        opts, rest = _split_globals(argv)
    except UsageError as err:
        sys.stderr.write(f"{err}\n\nRun '{PROG} --help' for more information\n")
        return err.code
    if opts.get("version"):
        sys.stdout.write(f"minidocker version 0.1.0, API 1.41\n")
        return 0
    if opts.get("help") or not rest:
        sys.stdout.write(_usage())
        return 0
    verb = rest[0]
    args = rest[1:]
    if verb in GROUPS:
        if not args or args[0] in ("-h", "--help"):
            subs = sorted(k.split()[1] for k in VERBS if k.startswith(verb + " "))
            sys.stdout.write(f"Usage:  {PROG} {verb} COMMAND\n\nCommands:\n  " + "\n  ".join(subs) + "\n")
            return 0
        verb, args = f"{verb} {args[0]}", args[1:]
    if verb not in VERBS:
        sys.stderr.write(f"{PROG}: unknown command: {PROG} {verb}\n\nRun '{PROG} --help' for more information\n")
        return 1
    module_name, func_name = VERBS[verb]
    from .flags import FlagSet

    name = f"minidocker.client.commands.{module_name}"
    __import__(name)  # importlib.import_module's work without importing importlib (and its warnings)
    module = sys.modules[name]
    flags = FlagSet(lambda: _argparser(f"{PROG} {verb}"))
    getattr(module, func_name + "_args")(flags)
    cli = Cli(opts["host"], opts["debug"])
    try:
        parsed = flags.parse_args(args)
    except UsageError as err:
        bare = verb.replace("container ", "").replace("image ", "")
        usage = f"\nUsage:  {PROG} {verb} {SYNOPSIS[bare][0]}\n" if bare in SYNOPSIS else ""
        if err.code == 1:
            word = "See" if "at least" in str(err) else "Run"
            sys.stderr.write(f"{PROG}: {err}\n{usage}\n{word} '{PROG} {verb} --help' for more information\n")
        else:
            sys.stderr.write(f"{err}\n{usage}\nRun '{PROG} {verb} --help' for more information\n")
        return err.code
    return run_command(cli, verb, getattr(module, func_name), parsed)


def _argparser(prog: str) -> argparse.ArgumentParser:
    from .argparser import argparser  # argparse only for --help, errors and unusual command lines

    return argparser(prog)


def run_command(cli: Cli, verb: str, func: Any, parsed: argparse.Namespace) -> int:
    """Call the verb and turn errors into docker's messages and exit codes."""
    from .errors import APIError, DaemonUnreachable, StreamError
    from .wire import ProtocolError
    from ..errors import MinidockerError

    try:
        return int(func(cli, parsed) or 0)
    except UsageError as err:
        bare = verb.replace("container ", "").replace("image ", "")
        usage = f"\nUsage:  {PROG} {verb} {SYNOPSIS[bare][0]}\n" if bare in SYNOPSIS else ""
        if err.code == 125:  # a bad flag value: docker's shape, no program prefix
            cli.warn(f"{err}\n{usage}\nRun '{PROG} {verb} --help' for more information")
        else:
            cli.warn(f"{PROG}: {err}\n{usage}\nSee '{PROG} {verb} --help' for more information")
        return err.code
    except (APIError, DaemonUnreachable) as err:
        if verb in ("run", "container run"):
            cli.warn(f"{PROG}: {err}\n\nRun '{PROG} {verb} --help' for more information")
            return 125
        cli.warn(str(err))
        return 1
    except BrokenPipeError:
        raise
    except StreamError as err:
        cli.warn(err.message)
        return err.code or 1
    except ProtocolError as err:  # the daemon died (or was restarted) mid-response: one line, as docker
        if cli.debug:
            raise
        cli.warn(f"{PROG}: error reading the daemon's response: {err} (did minidockerd stop?)")
        return 1
    except (MinidockerError, OSError, ValueError) as err:
        if cli.debug:
            raise
        if verb in ("run", "container run"):
            cli.warn(f"{PROG}: {err}\n\nRun '{PROG} {verb} --help' for more information")
            return 125
        cli.warn(f"{PROG}: {err}" if not isinstance(err, MinidockerError) else str(err))
        return 125 if verb in ("create", "container create") else 1
    finally:
        cli.close()


if __name__ == "__main__":
    # Run the package's module, not this __main__ copy: commands raise minidocker.client.cli.UsageError,
    # which a second copy of this module would not catch.
    from minidocker.client.cli import main as package_main

    sys.exit(package_main())
