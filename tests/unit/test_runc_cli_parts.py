"""minirunc's pieces that need no root: argv grammar, mount options, signals, the list table, state rules."""

from __future__ import annotations

import json
import os

import pytest

from minidocker.errors import Conflict, InvalidArgument
from minidocker.linux import mount as m
from minidocker.runc import argv, commands, mountopts
from minidocker.runc.state import ALLOWED, State, Status, check_id


def test_containerd_style_command_line() -> None:
    a = argv.parse(["--root", "/run/r", "--log", "/x/log.json", "--log-format", "json", "create", "--bundle", "/b",
                    "--pid-file", "/b/init.pid", "--console-socket=/s.sock", "abc"])
    assert (a.root, a.log, a.log_format, a.command, a.bundle, a.pid_file, a.console_socket, a.id) == (
        "/run/r", "/x/log.json", "json", "create", "/b", "/b/init.pid", "/s.sock", "abc")


def test_exec_takes_the_rest_as_the_command() -> None:
    a = argv.parse(["exec", "-e", "A=1", "--env", "B=2", "-d", "cid", "sh", "-c", "ls -l"])
    assert a.env == ["A=1", "B=2"] and a.detach and a.id == "cid" and a.args == ["sh", "-c", "ls -l"]


def test_kill_signal_is_optional_and_defaults_to_term() -> None:
    assert argv.parse(["kill", "cid"]).signal == "SIGTERM"
    assert argv.parse(["kill", "--all", "cid", "KILL"]).signal == "KILL"


@pytest.mark.parametrize("words, message", [
    (["create"], "missing argument ID"), (["bogus"], "unknown command"), (["start", "--nope", "x"], "not defined"),
    (["create", "--bundle"], "needs an argument"), ([], "no command"), (["start", "a", "b"], "unexpected"),
])
def test_bad_command_lines(words: list[str], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        argv.parse(words)


@pytest.mark.parametrize("text, number", [("9", 9), ("KILL", 9), ("SIGKILL", 9), ("term", 15), ("SIGUSR1", 10)])
def test_signals(text: str, number: int) -> None:
    assert commands.parse_signal(text) == number


def test_unknown_signal() -> None:
    with pytest.raises(InvalidArgument):
        commands.parse_signal("SIGBOGUS")


def test_mount_options() -> None:
    flags, prop, data = mountopts.parse(["nosuid", "noexec", "ro", "rw", "rbind", "rslave", "mode=755", "size=65536k"])
    assert flags == m.MS_NOSUID | m.MS_NOEXEC | m.MS_BIND | m.MS_REC
    assert prop == [m.MS_SLAVE | m.MS_REC] and data == "mode=755,size=65536k"


def test_list_table_is_tabwriter_like() -> None:
    out = commands._table([["ID", "PID", "STATUS"], ["a-long-container-id", "1", "running"]])
    # the first column: the longest cell (19) plus 3 of padding; the second: the 12 minimum; the last unpadded
    assert out.splitlines() == ["ID" + " " * 20 + "PID" + " " * 9 + "STATUS", "a-long-container-id" + " " * 3 + "1" + " " * 11 + "running"]


@pytest.mark.parametrize("cid", ["../x", "a/b", "", ".", "a b"])
def test_container_ids_are_one_path_component(cid: str) -> None:
    with pytest.raises(InvalidArgument):
        check_id(cid)


def _state(tmp_path, pid: int, starttime: int | None = None, fifo: bool = False) -> State:
    from minidocker.linux.process import start_time

    if fifo:
        (tmp_path / "exec.fifo").write_text("")
    return State(str(tmp_path), {"id": "c", "pid": pid, "starttime": starttime or start_time(pid), "bundle": "/b",
                                 "rootfs": "/b/rootfs", "created": "now"})


def test_status_is_derived_from_the_kernel(tmp_path) -> None:
    assert _state(tmp_path, os.getpid(), fifo=True).status() is Status.CREATED
    (tmp_path / "exec.fifo").unlink()
    assert _state(tmp_path, os.getpid()).status() is Status.RUNNING
    assert _state(tmp_path, os.getpid(), starttime=1).status() is Status.STOPPED  # a recycled pid is not the init


def test_transitions_refuse_with_runc_wording(tmp_path) -> None:
    running = _state(tmp_path, os.getpid())
    with pytest.raises(Conflict, match="already running"):
        running.require("start")
    with pytest.raises(Conflict, match="not stopped: running"):
        running.require("delete")
    assert running.require("delete --force") is Status.RUNNING
    assert Status.STOPPED not in ALLOWED["exec"]


def test_state_document_has_the_spec_keys(tmp_path) -> None:
    doc = _state(tmp_path, os.getpid()).oci()
    assert set(doc) == {"ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"}
    json.dumps(doc)


def test_features_document_follows_the_code() -> None:
    from minidocker.runc.features import document

    doc = document()
    assert doc["ociVersionMax"] == "1.0.2-dev" and "rbind" in doc["mountOptions"]
    assert {"user", "time", "cgroup"} <= set(doc["linux"]["namespaces"])
    assert doc["hooks"] == ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
    assert doc["linux"]["capabilities"][0] == "CAP_CHOWN" and doc["linux"]["cgroup"]["systemd"] is False


def test_pause_update_grammar() -> None:
    a = argv.parse(["update", "--memory", "1048576", "--memory-swap", "-1", "--pids-limit=20", "cid"])
    assert (a.memory, a.memory_swap, a.pids_limit, a.cpu_shares, a.id) == (1048576, -1, 20, None, "cid")
    assert argv.parse(["pause", "cid"]).command == "pause"
