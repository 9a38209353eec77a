"""Differential tests of attach and exec streams against dockerd 20.10, through docker-py's raw sockets:
detach keys (default ctrl-p ctrl-q, the detachKeys parameter, exec's DetachKeys), exec start's own Tty
deciding the framing, and a stdin-only attach that receives nothing.

Every read goes to the end of the stream (the daemon closes it), so nothing depends on timing.
"""

from __future__ import annotations

import pytest

from diff_docker_fixture import pair, poll  # noqa: F401 - `pair` is the module-scoped fixture

pytestmark = pytest.mark.root
docker = pytest.importorskip("docker")


def raw(sock):
    return getattr(sock, "_sock", sock)


def read_to_end(sock) -> bytes:
    s, out = raw(sock), b""
    s.settimeout(20)
    while True:
        data = s.recv(65536)
        if not data:
            return out
        out += data


def both(pair, session) -> tuple:
    results = []
    for sock in (pair.reald.sock, pair.engine.socket):
        api = docker.APIClient(base_url=f"unix://{sock}", version="1.41", timeout=60)
        try:
            results.append(session(api))
        finally:
            for c in api.containers(all=True, filters={"label": "streams-test"}):
                api.remove_container(c["Id"], force=True)
            api.close()
    return results[0], results[1]


def tty_box(api, cmd=("cat",)):
    box = api.create_container("busybox", list(cmd), tty=True, stdin_open=True, labels={"streams-test": "1"},
                               host_config=api.create_host_config(network_mode="none"))
    api.start(box)
    return box


def api_error(fn):
    try:
        fn()
        return "ok"
    except docker.errors.APIError as err:
        return err.status_code, str(err.explanation)


@pytest.mark.parametrize("keys, typed", [(None, b"\x10\x11"), ("ctrl-a,x", b"\x01x"), ("ctrl-x", b"\x18")])
def test_attach_detach_keys_leave_the_container_running(pair, keys, typed):
    def session(api):
        box = tty_box(api)
        params = {"stdin": 1, "stdout": 1, "stream": 1}
        if keys:
            params["detachKeys"] = keys
        sock = api.attach_socket(box, params=params)
        raw(sock).sendall(b"hello\n" + typed + b"after\n")
        out = read_to_end(sock)
        sock.close()
        # what came back before the detach (the tty's echo of "hello") depends on timing in both engines:
        # the contract is that nothing after the keys gets through and the container keeps running
        return b"after" in out, api.inspect_container(box)["State"]["Running"]

    real, mini = both(pair, session)
    assert mini == real == (False, True)


def test_detach_keys_refusals(pair):
    def session(api):
        box = tty_box(api)
        attach = api_error(lambda: api.attach_socket(box, params={"stdin": 1, "stream": 1, "detachKeys": "ctrl-"}))
        ex = api_error(lambda: api.exec_create(box, ["true"], detach_keys="bogus-key"))
        return attach, ex

    real, mini = both(pair, session)
    assert mini == real


def test_exec_detach_keys_leave_the_exec_running(pair):
    def session(api):
        box = tty_box(api, ["sleep", "300"])
        ex = api.exec_create(box, ["cat"], stdin=True, tty=True, detach_keys="ctrl-x")
        sock = api.exec_start(ex, tty=True, socket=True)
        raw(sock).sendall(b"one\n\x18two\n")
        out = read_to_end(sock)
        info = api.exec_inspect(ex)
        # how much of the tty's echo of "one" came before the detach depends on timing in both engines (seen:
        # none from dockerd, "one" twice from ours, once in a full run): compared from the detach's message on
        said = out[out.find(b"exec attach failed"):] if b"exec attach failed" in out else out
        return b"two" in out, said, info["Running"], info["ExitCode"], info["DetachKeys"]

    # dockerd 20.10 reports the detach as a failed attach: its message on the stream, the exec ended with 126
    real, mini = both(pair, session)
    assert mini == real


@pytest.mark.parametrize("create_tty, start_tty", [(True, False), (False, True), (True, True), (False, False)])
def test_exec_start_tty_decides_the_framing(pair, create_tty, start_tty):
    def session(api):
        box = tty_box(api, ["sleep", "300"])
        ex = api.exec_create(box, ["echo", "hi"], tty=create_tty)
        return read_to_end(api.exec_start(ex, tty=start_tty, socket=True)), api.exec_inspect(ex)["ExitCode"]

    real, mini = both(pair, session)
    assert mini == real


@pytest.mark.parametrize("tty", [True, False])
def test_stdin_only_attach_receives_no_output(pair, tty):
    def session(api):
        box = api.create_container("busybox", ["sh", "-c", "read line; echo got $line"], tty=tty,
                                   stdin_open=True, labels={"streams-test": "1"},
                                   host_config=api.create_host_config(network_mode="none"))
        api.start(box)
        sock = api.attach_socket(box, params={"stdin": 1, "stream": 1})
        raw(sock).sendall(b"x\n")
        api.wait(box)
        raw(sock).shutdown(1)  # SHUT_WR: dockerd keeps a stdin-only attach until the client's input ends
        out = read_to_end(sock)
        return out, api.logs(box)

    real, mini = both(pair, session)
    assert mini == real
    assert real[0] == b"" and b"got x" in real[1]
