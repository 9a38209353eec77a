"""The CLI's FlagSet against argparse: wherever the lean parser answers, argparse answers the same; what it
cannot answer (help, errors, unusual command lines) goes to argparse (minidocker/client/flags.py)."""

from __future__ import annotations

import importlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minidocker.client import cli
from minidocker.client.flags import Fallback, FlagSet


def flagset(verb: str) -> FlagSet:
    module_name, func_name = cli.VERBS[verb]
    module = importlib.import_module(f"minidocker.client.commands.{module_name}")
    flags = FlagSet(lambda: cli._argparser(f"minidocker {verb}"))
    getattr(module, func_name + "_args")(flags)
    return flags


def argparse_result(flags: FlagSet, argv: list[str]) -> dict | str:
    """argparse's namespace as a dict, or how it refused (a usage error, or help's exit)."""
    try:
        return vars(flags.argparser().parse_args(argv))
    except cli.UsageError as err:
        return f"usage error {err.code}: {err}"
    except SystemExit as err:  # --help printed
        return f"exit {err.code}"


def lean_result(flags: FlagSet, argv: list[str]) -> dict | None:
    try:
        return vars(flags.parse(argv))
    except Fallback:
        return None


VERBS = sorted(cli.VERBS)


@pytest.mark.parametrize("verb,argv", [
    ("run", ["-it", "--rm", "-p8080:80", "-p", "127.0.0.1:53:53/udp", "--name=web", "-e", "A=1", "-eB=2",
             "-h", "box", "--network", "none", "busybox", "sh", "-c", "echo -n hi", "--rm"]),
    ("run", ["--rm", "--network", "none", "busybox", "true"]),
    ("run", ["-d", "--pids-limit", "20", "-c", "512", "busybox"]),
    ("exec", ["-it", "c1", "ls", "-l", "x"]),
    ("ps", []), ("ps", ["-aq"]), ("ps", ["-n", "3", "--format", "{{.ID}}", "-f", "status=exited"]),
    ("images", ["-q", "busybox"]), ("images", ["busybox", "--no-trunc"]),
    ("rm", ["-f", "a", "b"]), ("stop", ["-t", "3", "a"]), ("volume create", []), ("volume create", ["v1"]),
    ("top", ["c1", "-ef"]), ("stats", ["--no-stream"]), ("cp", ["c:/etc/hosts", "-"]),
])
def test_plain_command_lines_are_parsed_without_argparse_and_as_argparse_does(verb: str, argv: list[str]) -> None:
    flags = flagset(verb)
    lean = lean_result(flags, argv)
    assert lean is not None, f"{verb} {argv} went to argparse"
    assert lean == argparse_result(flags, argv)


@pytest.mark.parametrize("verb,argv", [
    ("ps", ["--help"]), ("run", ["--help"]), ("ps", ["-x"]), ("ps", ["-n", "abc"]), ("ps", ["extra"]),
    ("ps", ["--al"]),  # argparse's abbreviation of --all
    ("run", []), ("run", ["--pids-limit", "-1", "busybox"]),  # a negative number as a value
    ("rm", ["a", "-f", "b"]), ("images", ["-q", "--", "busybox"]), ("stop", ["--time=abc", "c"]),
])
def test_unusual_or_wrong_command_lines_go_to_argparse(verb: str, argv: list[str]) -> None:
    flags = flagset(verb)
    assert lean_result(flags, argv) is None
    flags.argparser()  # and argparse builds from the same declarations


def test_a_help_request_reaches_argparse_and_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        flagset("ps").parse_args(["--help"])
    assert "--no-trunc" in capsys.readouterr().out


def _words(verb: str) -> st.SearchStrategy[list[str]]:
    flags = flagset(verb)
    options = sorted(o for f in flags.flags for o in f.options if o not in ("-h", "--help"))
    shorts = [o[1] for o in options if len(o) == 2]
    plain = st.sampled_from(["busybox", "c1", "x", "3", "-1", "-", "--", "", "a b", "k=v", "-x y", "0.5", "none"])
    option = st.sampled_from(options) if options else plain
    attached = st.tuples(option, plain).map(lambda t: f"{t[0]}={t[1]}")
    cluster = (st.lists(st.sampled_from(shorts), min_size=2, max_size=3).map(lambda cs: "-" + "".join(cs))
               if shorts else plain)
    glued = st.tuples(cluster, plain).map(lambda t: t[0] + t[1])
    return st.lists(st.one_of(option, option, plain, attached, cluster, glued), max_size=7)


@pytest.mark.parametrize("verb", VERBS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_wherever_the_lean_parser_answers_argparse_gives_the_same_namespace(verb: str, data: st.DataObject) -> None:
    flags = flagset(verb)
    argv = data.draw(_words(verb))
    lean = lean_result(flags, argv)
    if lean is not None:
        assert lean == argparse_result(flags, argv), argv
