"""argparse with the docker CLI's error shapes, for what flags.FlagSet leaves to it: --help, errors, unusual command lines (cf. docker/cli cli/cobra.go FlagErrorFunc).

Imported only when such a parser is built: argparse brings re, enum, gettext and locale with it, which a
plain `minidocker ps` never needs (client/__init__.py).
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from .cli import SYNOPSIS, UsageError


class Formatter(argparse.HelpFormatter):
    """A fixed width: argparse builds a formatter for every add_argument, and asking the terminal's width
    each time imports shutil (with bz2 and lzma), a cost every command would pay for help it never prints."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 30, width: int = 100) -> None:
        super().__init__(prog, indent_increment, max_help_position, width)


class Parser(argparse.ArgumentParser):
    """argparse with docker's error shapes instead of argparse's usage dump and exit 2."""

    def error(self, message: str) -> NoReturn:
        if "the following arguments are required" in message or message.startswith("requires"):
            verb = self.prog.split(" ", 1)[-1].replace("container ", "").replace("image ", "")
            arity = SYNOPSIS.get(verb, ("", "at least 1 argument"))[1]
            raise UsageError(f"'{self.prog}' requires {arity}", 1)
        if message.startswith("unrecognized arguments: "):
            flag = message.split(": ", 1)[1].split()[0]
            if flag.startswith("-"):
                raise UsageError(f"unknown flag: {flag}", 125)
            raise UsageError(f"'{self.prog}' accepts no arguments", 1)
        raise UsageError(message, 125)


def argparser(prog: str) -> Parser:
    """An empty parser for one verb ("minidocker ps"); FlagSet.argparser() adds the verb's flags."""
    return Parser(prog=prog, add_help=True, conflict_handler="resolve", formatter_class=Formatter)
