"""observe.procs: roles from process names and command lines, parsing of our own /proc entries."""

from __future__ import annotations

import os

from minidocker.observe import procs


def test_roles_from_process_names():
    assert procs.role_of("minidockerd", []) == "dockerd"
    assert procs.role_of("minicontainerd", []) == "containerd"
    assert procs.role_of("minidocker-shi", []) == "shim"
    assert procs.role_of("minirunc", []) == "runtime"
    assert procs.role_of("runc", []) == "runtime"
    assert procs.role_of("minidocker", []) == "client"
    assert procs.role_of("bash", ["bash"]) is None


def test_roles_from_python_command_lines():
    assert procs.role_of("python3", ["/x/python", "-m", "minidocker.shim.main", "--id", "a"]) == "shim"
    assert procs.role_of("python3", ["/x/.venv/bin/python", "/x/.venv/bin/minidockerd"]) == "dockerd"
    assert procs.role_of("python3", ["/x/python", "-c", "minidockerd"]) is None


def test_a_rootless_engines_namespace_holder_is_no_client():
    """The holder is a fork of `minidocker daemon start` (its command line says so) renamed by prctl."""
    from minidocker.rootless.launcher import HOLDER_NAME

    assert procs.role_of(HOLDER_NAME[:15], ["/x/.venv/bin/python", "/x/.venv/bin/minidocker", "daemon", "start"]) is None


def test_read_self():
    me = procs.read(os.getpid())
    assert me.pid == os.getpid() and me.ppid == os.getppid()
    assert me.nspid[0] == os.getpid()
    assert me.ns["pid"] == os.stat("/proc/self/ns/pid").st_ino
    assert me.role is None


def test_environ_value_reads_our_environment(monkeypatch):
    # /proc/self/environ holds the environment the process started with, so check a variable set then.
    key = next(iter(os.environ))
    assert procs.environ_value(os.getpid(), key) is not None
    assert procs.environ_value(os.getpid(), "SURELY_NOT_SET_ANYWHERE_123") is None


def test_real_dockers_daemons_are_not_taken_for_ours():
    assert procs.role_of("dockerd", ["/usr/sbin/dockerd"]) is None
    assert procs.role_of("containerd", ["/usr/bin/containerd"]) is None
