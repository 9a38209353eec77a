"""minirunc's command-line grammar, runc's (urfave/cli) flags: `--flag value`, `--flag=value`, `-f value`, `-flag`.

A table instead of argparse: argparse and what it pulls in (gettext, shutil, bz2, lzma) cost a few
milliseconds on every `minirunc run`, and the runtime is started for every container.
"""

from __future__ import annotations

from ..errors import InvalidArgument

# flag -> (attribute, kind): kind is "bool", "str", "int" or "list" (repeatable).
GLOBAL = {"--root": ("root", "str"), "--log": ("log", "str"), "--log-format": ("log_format", "str"),
          "--debug": ("debug", "bool"), "--systemd-cgroup": ("systemd_cgroup", "bool"),
          "--rootless": ("rootless", "str"), "--criu": ("criu", "str")}

_CREATE = {"--bundle": ("bundle", "str"), "-b": ("bundle", "str"), "--pid-file": ("pid_file", "str"),
           "--console-socket": ("console_socket", "str"), "--no-pivot": ("no_pivot", "bool"),
           "--no-new-keyring": ("no_new_keyring", "bool"), "--preserve-fds": ("preserve_fds", "int")}

# command -> (flags, positional arguments, help); a positional ending in "?" is optional, "*" takes the rest.
COMMANDS: dict[str, tuple[dict, list[str], str]] = {
    "create": (_CREATE, ["id"], "create a container; its init waits on the exec fifo for start"),
    "run": ({**_CREATE, "--detach": ("detach", "bool"), "-d": ("detach", "bool"), "--keep": ("keep", "bool")},
            ["id"], "create and start a container, wait for it and delete it"),
    "start": ({}, ["id"], "start a created container"),
    "state": ({}, ["id"], "print the state JSON of a container"),
    "kill": ({"--all": ("all", "bool"), "-a": ("all", "bool")}, ["id", "signal?"], "send a signal (default SIGTERM)"),
    "delete": ({"--force": ("force", "bool"), "-f": ("force", "bool")}, ["id"], "delete a container"),
    "list": ({"--format": ("format", "str"), "-f": ("format", "str"), "--quiet": ("quiet", "bool"),
              "-q": ("quiet", "bool")}, [], "list containers"),
    "spec": ({"--bundle": ("bundle", "str"), "-b": ("bundle", "str"), "--rootless": ("rootless", "bool")}, [],
             "write a default config.json"),
    "ps": ({"--format": ("format", "str"), "-f": ("format", "str")}, ["id"], "list a container's processes"),
    "features": ({}, [], "print the features this runtime implements (JSON)"),
    "pause": ({}, ["id"], "freeze every process of a container"),
    "resume": ({}, ["id"], "thaw a paused container"),
    "update": ({"--resources": ("resources", "str"), "-r": ("resources", "str"), "--memory": ("memory", "int"),
                "--memory-swap": ("memory_swap", "int"), "--pids-limit": ("pids_limit", "int"),
                "--cpu-share": ("cpu_shares", "int"), "--cpu-quota": ("cpu_quota", "int"),
                "--cpu-period": ("cpu_period", "int")}, ["id"], "change a container's resource limits"),
    "exec": ({"--process": ("process", "str"), "-p": ("process", "str"), "--pid-file": ("pid_file", "str"),
              "--detach": ("detach", "bool"), "-d": ("detach", "bool"), "--console-socket": ("console_socket", "str"),
              "--tty": ("tty", "bool"), "-t": ("tty", "bool"), "--env": ("env", "list"), "-e": ("env", "list"),
              "--cwd": ("cwd", "str"), "--user": ("user", "str"), "-u": ("user", "str"), "--cap": ("cap", "list"),
              "--no-new-privs": ("no_new_privs", "bool"), "--preserve-fds": ("preserve_fds", "int"),
              "--additional-gids": ("additional_gids", "list"), "-g": ("additional_gids", "list")},
             ["id", "args*"], "run a process in a running container"),
}
DEFAULTS = {"bundle": ".", "log_format": "text", "format": "table", "signal": "SIGTERM", "preserve_fds": 0}


class Args:
    """Parsed arguments as attributes; unset flags read as their default (None, False, [] ...)."""

    def __init__(self) -> None:
        self.command = ""

    def __getattr__(self, name: str) -> object:
        if name in DEFAULTS:
            return DEFAULTS[name]
        return [] if name in ("env", "cap", "args", "additional_gids") else None


def usage() -> str:
    lines = ["usage: minirunc [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND [FLAGS] ARGS", ""]
    lines += [f"  {name:8} {help_}" for name, (_, _, help_) in COMMANDS.items()]
    return "\n".join(lines)


def _take(flags: dict, argv: list[str], i: int, out: Args) -> int:
    """Consume the flag at argv[i] (and its value); returns the next index."""
    word = argv[i]
    name, eq, value = word.partition("=")
    if name not in flags and name.startswith("-") and not name.startswith("--"):
        name = "-" + name  # Go's flag package also accepts -bundle for --bundle
    if name not in flags:
        raise InvalidArgument(f"flag provided but not defined: {word.split('=')[0]}")
    attr, kind = flags[name]
    if kind == "bool":
        setattr(out, attr, value.lower() not in ("false", "0") if eq else True)
        return i + 1
    if not eq:
        if i + 1 >= len(argv):
            raise InvalidArgument(f"flag needs an argument: {name}")
        value, i = argv[i + 1], i + 1
    if kind == "list":
        setattr(out, attr, getattr(out, attr) + [value])
    elif kind == "int":
        if not value.removeprefix("-").isdigit():  # -1: "unlimited" for swap and pids
            raise InvalidArgument(f"invalid value {value!r} for flag {name}")
        setattr(out, attr, int(value))
    else:
        setattr(out, attr, value)
    return i + 1


def parse(argv: list[str]) -> Args:
    out = Args()
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        if argv[i] in ("-h", "--help"):
            out.command = "help"
            return out
        if argv[i] in ("-v", "--version"):
            out.command = "version"
            return out
        i = _take(GLOBAL, argv, i, out)
    if i >= len(argv):
        raise InvalidArgument("no command given; see minirunc --help")
    out.command = argv[i]
    if out.command not in COMMANDS:
        if out.command in ("events", "checkpoint", "restore"):
            return out  # known to runc, refused by the dispatcher with a clear message
        raise InvalidArgument(f"unknown command {out.command!r}; see minirunc --help")
    flags, positional, _ = COMMANDS[out.command]
    values: list[str] = []
    i += 1
    while i < len(argv):
        word = argv[i]
        if word == "--":
            values += argv[i + 1:]
            break
        if word in ("-h", "--help"):
            out.command = "help"
            return out
        if word.startswith("-") and len(word) > 1 and not (positional and positional[-1].endswith("*") and values):
            i = _take(flags, argv, i, out)
            continue
        values.append(word)
        i += 1
    for name in positional:
        if name.endswith("*"):
            setattr(out, name[:-1], values)
            values = []
        elif values:
            setattr(out, name.rstrip("?"), values.pop(0))
        elif not name.endswith("?"):
            raise InvalidArgument(f"{out.command}: missing argument {name.upper()}")
    if values:
        raise InvalidArgument(f"{out.command}: unexpected argument {values[0]!r}")
    return out
