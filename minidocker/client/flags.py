"""A command's flags: argparse's declarations and results, without importing argparse for a plain command line (cf. spf13/pflag, which the docker CLI parses with).

Each command module declares its flags with argparse's own call, `add_argument(...)`, on the parser it
is given. That parser is a FlagSet: it records the declarations, and parses the command line itself
when every word is plainly one of them (`-a`, `-it`, `-p80:80`, `--name x`, `--name=x`, positionals in
one run, a trailing COMMAND...). Anything else -- `--help`, any error, an abbreviated long flag, a
negative number, `--`, a value that looks like a flag -- goes to a real argparse parser built from the
same declarations (`argparser()`), so every message and corner case is argparse's own, exactly as
before. tests/unit/test_client_flags.py checks that both give the same result wherever this one answers.

Why: importing argparse drags in re, enum, gettext and locale; with the CLI's other imports kept lean
(see minidocker/client/__init__.py) that was a third of what `minidocker ps` costs before it sends a byte.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: importing typing costs every command ~1 ms
    import argparse
    from typing import Any, Callable

REMAINDER = "..."  # argparse.REMAINDER: the rest of the command line, flags included (docker's COMMAND [ARG...])
_STORE, _STORE_TRUE, _APPEND, _HELP = "store", "store_true", "append", "help"


class Fallback(Exception):
    """This command line needs argparse: it is unusual, asks for help, or is wrong."""


class Namespace:
    """The parsed flags as attributes, like argparse.Namespace."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __eq__(self, other: object) -> bool:
        return vars(self) == vars(other) if hasattr(other, "__dict__") else NotImplemented

    def __contains__(self, key: str) -> bool:
        return key in self.__dict__

    def __repr__(self) -> str:
        return "Namespace(" + ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items()) + ")"


class Flag:
    """One add_argument() call: what it was called with, and what parsing needs from it."""

    def __init__(self, names: tuple[str, ...], kwargs: dict[str, Any]) -> None:
        self.names, self.kwargs = names, kwargs
        self.options = [n for n in names if n.startswith("-")]
        if self.options:
            longs = [o for o in self.options if o.startswith("--")]
            self.dest = kwargs.get("dest") or (longs or self.options)[0].lstrip("-").replace("-", "_")
        else:
            self.dest = names[0]
        self.action = kwargs.get("action") or _STORE
        self.nargs = kwargs.get("nargs")
        self.default = kwargs.get("default", False if self.action == _STORE_TRUE else None)
        self.type: Callable[[str], Any] | None = kwargs.get("type")
        self.choices = kwargs.get("choices")
        # What this parser does itself; any other declaration sends every command line to argparse.
        plain_option = self.action in (_STORE_TRUE, _APPEND, _STORE) and self.nargs is None
        plain_positional = self.action == _STORE and self.nargs in (None, "?", "+", "*", REMAINDER)
        self.supported = (plain_option if self.options else plain_positional) and not kwargs.get("required")

    @property
    def takes_value(self) -> bool:
        return self.action != _STORE_TRUE

    def value(self, text: str) -> Any:
        """The typed value, as argparse's _get_value and _check_value; a bad one is argparse's to report."""
        try:
            value = self.type(text) if self.type is not None else text
        except Exception:
            raise Fallback() from None
        if self.choices is not None and value not in self.choices:
            raise Fallback()
        return value


class FlagSet:
    """Records add_argument() calls; parse() answers plain command lines, argparser() the rest."""

    def __init__(self, make_argparser: Callable[[], argparse.ArgumentParser]) -> None:
        self._make_argparser = make_argparser
        help_flag = Flag(("-h", "--help"), {"action": _HELP})
        self.flags: list[Flag] = [help_flag]  # add_help=True, as the argparse parser has
        self.by_option: dict[str, Flag] = {"-h": help_flag, "--help": help_flag}

    def add_argument(self, *names: str, **kwargs: Any) -> None:
        flag = Flag(names, kwargs)
        # conflict_handler="resolve": a later flag takes the option strings over; one left with none is gone.
        for option in flag.options:
            old = self.by_option.get(option)
            if old is not None:
                old.options.remove(option)
                if not old.options:
                    self.flags.remove(old)
            self.by_option[option] = flag
        self.flags.append(flag)

    def argparser(self) -> argparse.ArgumentParser:
        """The same declarations on a real argparse parser (help text, errors, unusual command lines)."""
        parser = self._make_argparser()
        for flag in self.flags[1:]:
            parser.add_argument(*flag.names, **flag.kwargs)
        return parser

    def parse_args(self, args: list[str]) -> Any:
        try:
            return self.parse(args)
        except Fallback:
            return self.argparser().parse_args(args)

    def parse(self, args: list[str]) -> Namespace:
        """argparse's result for a plain command line; Fallback for anything else."""
        if not all(flag.supported for flag in self.flags[1:]):
            raise Fallback()
        values: dict[str, Any] = {}
        for flag in self.flags:  # argparse: the first declaration of a dest gives its default
            if flag.action != _HELP and flag.dest not in values:
                values[flag.dest] = flag.default
        seen: set[Flag] = set()
        positionals: list[str] = []
        ended = False  # positionals came and a flag followed: more positionals are argparse's puzzle
        remainder_after = self._remainder_after()
        i = 0
        while i < len(args):
            word = args[i]
            if remainder_after is not None and len(positionals) == remainder_after:
                if "--" in args[i:]:  # argparse's "-" patterns may give it to the positional before
                    raise Fallback()
                positionals += args[i:]
                break
            if word == "--":
                raise Fallback()
            if word.startswith("-") and word != "-":
                if positionals:
                    ended = True
                i = self._option(args, i, values, seen)
                continue
            if ended:
                raise Fallback()
            positionals.append(word)
            i += 1
        self._assign(positionals, values, seen)
        for flag in self.flags:  # a string default goes through the flag's type, as argparse does
            if (flag not in seen and isinstance(flag.default, str) and values.get(flag.dest) is flag.default
                    and flag.action != _HELP):
                values[flag.dest] = flag.value(flag.default)
        return Namespace(**values)

    def _remainder_after(self) -> int | None:
        """With positionals `A B COMMAND...` (all single before the REMAINDER): how many come before it."""
        kinds = [f.nargs for f in self.flags if not f.options]
        if REMAINDER not in kinds:
            return None
        if len(kinds) < 2 or kinds[-1] != REMAINDER or any(k is not None for k in kinds[:-1]):
            raise Fallback()
        return len(kinds) - 1

    def _option(self, args: list[str], i: int, values: dict[str, Any], seen: set[Flag]) -> int:
        """Apply the flag word args[i] (and its value); returns the index of the next word."""
        word = args[i]
        if word.startswith("--"):
            name, eq, attached = word.partition("=")
            flag = self._flag(name)
            if eq:
                if not flag.takes_value:
                    raise Fallback()
                self._store(flag, attached, values, seen)
                return i + 1
            return self._take(flag, args, i + 1, values, seen)
        head, eq, attached = word.partition("=")
        if eq and head in self.by_option:  # -e=A=1
            flag = self._flag(head)
            if not flag.takes_value:
                raise Fallback()
            self._store(flag, attached, values, seen)
            return i + 1
        if word in self.by_option:
            return self._take(self._flag(word), args, i + 1, values, seen)
        if any(o.startswith(word) for o in self.by_option):
            raise Fallback()
        # A cluster: -it, -aq, -p8080:80 (zero-value flags, then at most one taking the rest as its value).
        for j in range(1, len(word)):
            flag = self._flag("-" + word[j])
            if flag.takes_value:
                rest = word[j + 1:]
                if rest:
                    self._store(flag, rest, values, seen)
                    return i + 1
                return self._take(flag, args, i + 1, values, seen)
            self._store(flag, None, values, seen)
        return i + 1

    def _flag(self, option: str) -> Flag:
        flag = self.by_option.get(option)
        if flag is None or flag.action == _HELP:
            raise Fallback()
        return flag

    def _take(self, flag: Flag, args: list[str], i: int, values: dict[str, Any], seen: set[Flag]) -> int:
        """The flag's value is the next word (if it takes one); returns the index after what was used."""
        if not flag.takes_value:
            self._store(flag, None, values, seen)
            return i
        if i >= len(args) or (args[i].startswith("-") and args[i] != "-"):
            raise Fallback()
        self._store(flag, args[i], values, seen)
        return i + 1

    @staticmethod
    def _store(flag: Flag, text: str | None, values: dict[str, Any], seen: set[Flag]) -> None:
        if text == "--":  # argparse drops a "--" from a flag's values
            raise Fallback()
        seen.add(flag)
        if flag.action == _STORE_TRUE:
            values[flag.dest] = True
        elif flag.action == _APPEND:
            values[flag.dest] = list(values[flag.dest] or []) + [flag.value(text or "")]
        else:
            values[flag.dest] = flag.value(text or "")

    def _assign(self, words: list[str], values: dict[str, Any], seen: set[Flag]) -> None:
        """Positionals in one run, matched as argparse's greedy pattern does: each takes as many as it may
        while leaving the later ones their minimum; words left over, or too few, are argparse's to report."""
        positional = [f for f in self.flags if not f.options]
        bounds = {None: (1, 1), "?": (0, 1), "+": (1, len(words)), "*": (0, len(words)), REMAINDER: (0, len(words))}
        left = len(words)
        for n, flag in enumerate(positional):
            low, high = bounds[flag.nargs]
            later = sum(bounds[f.nargs][0] for f in positional[n + 1:])
            take = min(high, left - later)
            if take < low:
                raise Fallback()
            taken, words, left = words[:take], words[take:], left - take
            if flag.nargs is None:
                values[flag.dest] = flag.value(taken[0])
            elif flag.nargs == "?":
                values[flag.dest] = flag.value(taken[0]) if taken else (
                    flag.value(flag.default) if isinstance(flag.default, str) else flag.default)
            elif flag.nargs == REMAINDER:
                values[flag.dest] = [flag.value(w) for w in taken]
            elif not taken:  # "*" with nothing
                values[flag.dest] = flag.default if flag.default is not None else []
            else:
                values[flag.dest] = [flag.value(w) for w in taken]
            seen.add(flag)
        if left:
            raise Fallback()
