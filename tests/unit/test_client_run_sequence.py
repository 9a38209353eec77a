"""The CLI's request sequences against the fake engine: run, run -d, pull on 404, exec, logs, inspect (the docker CLI's, per the captured traffic)."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest

from client_fake_engine import FakeEngine, Reply, frame, install_samples
from minidocker.client.cli import main

CID = "ab" * 32


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    eng = FakeEngine(tmp_path / "api.sock").start()
    install_samples(eng)
    monkeypatch.setenv("MINIDOCKER_HOST", f"unix://{eng.sock_path}")
    yield eng
    eng.stop()


def _container_routes(engine: FakeEngine, exit_code: int = 0, start_error: tuple[int, str] | None = None) -> threading.Event:
    started = threading.Event()
    engine.route("POST", "/containers/create", Reply(201, {"Id": CID, "Warnings": []}))

    def wait_body():
        started.wait(10)
        yield json.dumps({"Error": None, "StatusCode": exit_code}).encode()

    def wait(_seen):  # the head at once, the body at exit: as dockerd answers
        return Reply(chunks=wait_body())

    def attach(sock: socket.socket, _rest: bytes) -> None:
        started.wait(10)
        sock.sendall(frame(2, b"to-stderr\n") + frame(1, b"to-stdout\n"))
        sock.close()

    def start(_seen):
        if start_error:
            return Reply(start_error[0], {"message": start_error[1]})
        started.set()
        return Reply(204)

    engine.route("POST", f"/containers/{CID}/wait", wait)
    engine.route("POST", f"/containers/{CID}/attach", Reply(hijack=attach))
    engine.route("POST", f"/containers/{CID}/start", start)
    return started


def test_run_sends_create_wait_attach_start_and_exits_with_the_status(engine: FakeEngine, capfd) -> None:
    _container_routes(engine, exit_code=7)
    code = main(["run", "--rm", "--name", "fg", "-e", "A=1", "busybox", "sh", "-c", "exit 7"])
    out, err = capfd.readouterr()
    assert code == 7
    assert out == "to-stdout\n" and err == "to-stderr\n"
    reqs = engine.requests()
    assert reqs[0] == ("POST", "/containers/create")
    assert reqs[-1] == ("POST", f"/containers/{CID}/start")
    assert reqs[1:3] == [("POST", f"/containers/{CID}/wait"), ("POST", f"/containers/{CID}/attach")]
    create = next(s for s in engine.seen if s.path.endswith("/containers/create"))
    body = json.loads(create.body)
    assert create.query == {"name": "fg"}
    assert body["Cmd"] == ["sh", "-c", "exit 7"] and body["Image"] == "busybox" and body["Env"] == ["A=1"]
    assert body["HostConfig"]["AutoRemove"] is True and body["AttachStdout"] and not body["AttachStdin"]
    wait = next(s for s in engine.seen if s.path.endswith("/wait"))
    attach = next(s for s in engine.seen if s.path.endswith("/attach"))
    assert wait.query == {"condition": "removed"}
    assert attach.query == {"stderr": "1", "stdout": "1", "stream": "1"}


def test_run_detached_sends_wait_then_start_and_prints_the_id(engine: FakeEngine, capfd) -> None:
    _container_routes(engine)
    code = main(["run", "-d", "-p", "8080:80", "--memory", "64m", "busybox", "sleep", "9"])
    out, _ = capfd.readouterr()
    assert code == 0 and out == CID + "\n"
    assert engine.requests() == [("POST", "/containers/create"), ("POST", f"/containers/{CID}/wait"),
                                 ("POST", f"/containers/{CID}/start")]
    body = json.loads(engine.seen[1].body)
    assert body["ExposedPorts"] == {"80/tcp": {}}
    assert body["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}
    assert body["HostConfig"]["Memory"] == 64 * 1024 * 1024
    assert not body["AttachStdout"] and not body["AttachStderr"]


def test_run_pulls_when_create_says_no_such_image_and_creates_again(engine: FakeEngine, capfd) -> None:
    _container_routes(engine)
    calls = []

    def create(_seen):
        calls.append(1)
        if len(calls) == 1:
            return Reply(404, {"message": "No such image: alpine:3.19"})
        return Reply(201, {"Id": CID, "Warnings": []})

    engine.route("POST", "/containers/create", create)
    engine.route("POST", "/images/create", Reply(chunks=[b'{"status":"Pulling from library/alpine","id":"3.19"}\n',
                                                         b'{"status":"Status: Downloaded newer image for alpine:3.19"}\n']))
    code = main(["run", "-d", "alpine:3.19"])
    _, err = capfd.readouterr()
    assert code == 0
    assert "Unable to find image 'alpine:3.19' locally" in err
    assert "3.19: Pulling from library/alpine" in err
    pull = next(s for s in engine.seen if s.path.endswith("/images/create"))
    assert pull.query == {"fromImage": "docker.io/library/alpine", "tag": "3.19"}
    assert pull.headers["x-registry-auth"] == "e30="
    assert len(calls) == 2


@pytest.mark.parametrize("message, code", [
    ('exec: "nosuch": executable file not found in $PATH', 127),
    ("exec /etc/passwd: permission denied", 126),
    ("cannot start a container that has stopped", 125),
])
def test_run_maps_start_failures_to_docker_exit_codes(engine: FakeEngine, capfd, message: str, code: int) -> None:
    _container_routes(engine, start_error=(400, message))
    assert main(["run", "busybox", "nosuch"]) == code
    _, err = capfd.readouterr()
    assert f"minidocker: Error response from daemon: {message}" in err


def test_a_daemon_error_on_create_exits_125(engine: FakeEngine, capfd) -> None:
    engine.route("POST", "/containers/create", Reply(409, {"message": 'Conflict. The container name "/fg" is already in use'}))
    assert main(["run", "--name", "fg", "busybox"]) == 125
    assert "minidocker: Error response from daemon: Conflict." in capfd.readouterr().err


def test_exec_reads_the_exit_code_from_exec_inspect(engine: FakeEngine, capfd) -> None:
    engine.route("POST", "/containers/web/exec", Reply(201, {"Id": "e1"}))

    def start(sock: socket.socket, _rest: bytes) -> None:
        sock.sendall(frame(1, b"from-exec\n"))
        sock.close()

    engine.route("POST", "/exec/e1/start", Reply(hijack=start))
    code = main(["exec", "web", "sh", "-c", "echo from-exec; exit 3"])
    assert code == 3  # the sample's ExitCode
    assert capfd.readouterr().out == "from-exec\n"
    assert engine.requests() == [("GET", "/containers/web/json"), ("POST", "/containers/web/exec"),
                                 ("POST", "/exec/e1/start"), ("GET", "/exec/e1/json")]
    body = json.loads(engine.seen[2].body)
    assert body["Cmd"] == ["sh", "-c", "echo from-exec; exit 3"] and body["AttachStdout"] and not body["AttachStdin"]
    start_body = json.loads(engine.seen[3].body)
    assert start_body == {"Detach": False, "Tty": False}


def test_logs_inspects_first_then_asks_for_all_lines(engine: FakeEngine, capfd) -> None:
    engine.route("GET", "/containers/[^/]+/logs", Reply(chunks=[frame(1, b"hello\n"), frame(2, b"err\n")]))
    assert main(["logs", "--tail", "2", "-t", "web"]) == 0
    out, err = capfd.readouterr()
    assert (out, err) == ("hello\n", "err\n")
    logs = engine.seen[-1]
    assert logs.query == {"stderr": "1", "stdout": "1", "tail": "2", "timestamps": "1"}
    assert engine.requests()[0] == ("GET", "/containers/web/json")


def test_inspect_of_nothing_prints_an_empty_list_and_exits_1(engine: FakeEngine, capfd) -> None:
    for path in ("/containers/nosuch/json", "/images/nosuch/json", "/networks/nosuch", "/volumes/nosuch"):
        engine.route("GET", path, Reply(404, {"message": "not found"}))
    assert main(["inspect", "nosuch"]) == 1
    out, err = capfd.readouterr()
    assert out == "[]\n" and err == "Error: No such object: nosuch\n"


def test_unknown_flag_exits_125_and_missing_argument_exits_1(engine: FakeEngine, capfd) -> None:
    assert main(["run", "--nosuchflag", "busybox"]) == 125
    assert "unknown flag: --nosuchflag" in capfd.readouterr().err
    assert main(["logs"]) == 1
    assert "'minidocker logs' requires 1 argument" in capfd.readouterr().err
    assert engine.requests(include_ping=True) == []  # nothing reached the daemon


def test_security_opt_is_sent_and_a_seccomp_file_goes_as_its_json(engine: FakeEngine, capfd, tmp_path: Path) -> None:
    _container_routes(engine)
    profile = tmp_path / "profile.json"
    profile.write_text('{\n  "defaultAction": "SCMP_ACT_ALLOW"\n}\n')
    code = main(["run", "-d", "--security-opt", "no-new-privileges", "--security-opt", f"seccomp={profile}",
                 "busybox", "true"])
    assert code == 0, capfd.readouterr()
    body = json.loads(next(s for s in engine.seen if s.path.endswith("/containers/create")).body)
    assert body["HostConfig"]["SecurityOpt"] == ["no-new-privileges", 'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']


def test_a_missing_seccomp_profile_is_one_line_and_exit_125(engine: FakeEngine, capfd, tmp_path: Path) -> None:
    code = main(["run", "--security-opt", f"seccomp={tmp_path / 'nope.json'}", "busybox", "true"])
    _, err = capfd.readouterr()
    assert code == 125 and err.splitlines()[0].endswith("nope.json: no such file or directory"), err  # docker's words
    assert not any(s.path.endswith("/containers/create") for s in engine.seen)
