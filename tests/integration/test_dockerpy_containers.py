"""The Docker SDK for Python (docker-py 7.x) against minidockerd: run (attached and detached), logs, exec, wait, remove."""

from __future__ import annotations

import time

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine

pytestmark = pytest.mark.root

docker = pytest.importorskip("docker")


@pytest.fixture(scope="module")
def client(engine):
    c = engine.client()
    yield c
    c.close()


def test_version_negotiation_reads_api_version(client):
    assert client.version()["ApiVersion"] == "1.41"
    assert client.api.api_version == "1.41"
    assert client.ping() is True


def test_run_attached_returns_output_and_removes(client):
    out = client.containers.run("busybox", ["sh", "-c", "echo hi; echo err >&2"], remove=True)
    assert out == b"hi\n"
    out = client.containers.run("busybox", ["sh", "-c", "echo hi; echo err >&2"], stdout=False, stderr=True,
                                remove=True)
    assert out == b"err\n"
    assert client.containers.list(all=True) == []


def test_run_failure_raises_container_error(client):
    with pytest.raises(docker.errors.ContainerError) as err:
        client.containers.run("busybox", ["sh", "-c", "echo bad >&2; exit 3"], remove=True)
    assert err.value.exit_status == 3
    assert b"bad" in err.value.stderr


def test_detached_logs_exec_wait_remove(client):
    ctr = client.containers.run("busybox", ["sh", "-c", "echo ready; exec sleep 1000"], detach=True, name="pyctr")
    try:
        ctr.reload()
        assert ctr.status == "running" and ctr.name == "pyctr"
        deadline = time.monotonic() + 10
        while b"ready" not in ctr.logs() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ctr.logs() == b"ready\n"
        res = ctr.exec_run(["sh", "-c", "echo out; echo err >&2; exit 4"])
        assert res.exit_code == 4 and b"out\n" in res.output and b"err\n" in res.output
        res = ctr.exec_run(["sh", "-c", "echo out; echo err >&2"], demux=True)
        assert res.exit_code == 0 and res.output == (b"out\n", b"err\n")
        res = ctr.exec_run("env", environment={"X": "1"}, workdir="/tmp")
        assert b"X=1\n" in res.output
        assert [p[-1] for p in ctr.top()["Processes"]] == ["sleep 1000"]
        ctr.kill()
        assert ctr.wait(timeout=20) == {"Error": None, "StatusCode": 137}
    finally:
        ctr.remove(force=True)
    with pytest.raises(docker.errors.NotFound):
        client.containers.get("pyctr")


def test_logs_stream_follows_until_exit(client):
    ctr = client.containers.run("busybox", ["sh", "-c", "for i in 1 2 3; do echo n$i; sleep 0.1; done"], detach=True)
    try:
        lines = list(ctr.logs(stream=True, follow=True))
        assert b"".join(lines) == b"n1\nn2\nn3\n"
        assert ctr.wait()["StatusCode"] == 0
    finally:
        ctr.remove()


def test_api_errors_become_sdk_exceptions(client):
    with pytest.raises(docker.errors.ImageNotFound):
        client.containers.create("nosuchimage:latest")
    c1 = client.containers.create("busybox", "true", name="pydup")
    try:
        with pytest.raises(docker.errors.APIError) as err:
            client.containers.create("busybox", "true", name="pydup")
        assert err.value.status_code == 409
    finally:
        c1.remove()


def test_attach_replays_logs_then_streams(client):
    ctr = client.containers.run("busybox", ["sh", "-c", "echo one; sleep 0.5; echo two"], detach=True)
    try:
        assert b"".join(ctr.attach(stream=True, logs=True)) == b"one\ntwo\n"
        ctr.wait()
        assert ctr.attach(logs=True, stream=False) == b"one\ntwo\n"
    finally:
        ctr.remove(force=True)


def test_attach_socket_forwards_stdin(client):
    ctr = client.containers.create("busybox", ["cat"], stdin_open=True)
    try:
        sock = client.api.attach_socket(ctr.id, params={"stdin": 1, "stdout": 1, "stream": 1})
        ctr.start()
        sock._sock.sendall(b"abc\n")
        sock._sock.settimeout(10)
        assert sock._sock.recv(100) == b"\x01\x00\x00\x00\x00\x00\x00\x04abc\n"
        sock._sock.close()
    finally:
        ctr.remove(force=True)
