"""Each verb sends the request the docker CLI sends (method, path, query), per the captured traffic table."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_fake_engine import FakeEngine, Reply, install_samples
from minidocker.client.cli import main


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    eng = FakeEngine(tmp_path / "api.sock").start()
    install_samples(eng)
    for method, pattern, reply in [
        ("POST", r"/containers/[^/]+/(stop|kill|restart|start)", Reply(204)),
        ("DELETE", r"/containers/[^/]+", Reply(204)),
        ("POST", r"/containers/[^/]+/wait", Reply(body={"Error": None, "StatusCode": 137})),
        ("DELETE", r"/images/.+", Reply(body=[{"Untagged": "localhost:5000/mybox:v1"}])),
        ("POST", r"/images/.+/tag", Reply(201)),
        ("POST", r"/images/prune", Reply(body={"ImagesDeleted": None, "SpaceReclaimed": 0})),
        ("POST", r"/containers/prune", Reply(body={"ContainersDeleted": None, "SpaceReclaimed": 0})),
        ("GET", r"/images/search", Reply(body=[])),
        ("POST", r"/images/create", Reply(chunks=[b'{"status":"Status: Image is up to date for x"}\n'])),
        ("POST", r"/images/.+/push", Reply(chunks=[b'{"status":"The push refers to repository [x]"}\n'])),
        ("POST", r"/volumes/create", Reply(201, {"Name": "v1", "Driver": "local"})),
        ("DELETE", r"/volumes/[^/]+", Reply(204)),
    ]:
        eng.route(method, pattern, reply)
    monkeypatch.setenv("MINIDOCKER_HOST", f"unix://{eng.sock_path}")
    monkeypatch.setenv("MINIDOCKER_CONFIG", str(tmp_path / "cfg"))
    yield eng
    eng.stop()


@pytest.mark.parametrize("argv, method, path, query", [
    ("ps", "GET", "/containers/json", {}),
    ("ps -a", "GET", "/containers/json", {"all": "1"}),
    ("ps -n 3", "GET", "/containers/json", {"limit": "3"}),
    ("ps -l", "GET", "/containers/json", {"limit": "1"}),
    ("ps -f status=exited", "GET", "/containers/json", {"filters": '{"status":{"exited":true}}'}),
    ("images", "GET", "/images/json", {}),
    ("images -qa --filter dangling=true", "GET", "/images/json",
     {"all": "1", "filters": '{"dangling":{"true":true}}'}),
    ("rmi localhost:5000/mybox:v1", "DELETE", "/images/localhost:5000/mybox:v1", {}),
    ("rmi -f localhost:5000/mybox:v1", "DELETE", "/images/localhost:5000/mybox:v1", {"force": "1"}),
    ("tag busybox localhost:5000/mybox:v1", "POST", "/images/busybox/tag",
     {"repo": "localhost:5000/mybox", "tag": "v1"}),
    ("tag busybox mybox", "POST", "/images/busybox/tag", {"repo": "mybox", "tag": "latest"}),
    ("pull localhost:5000/busybox", "POST", "/images/create", {"fromImage": "localhost:5000/busybox", "tag": "latest"}),
    ("pull alpine:3.19", "POST", "/images/create", {"fromImage": "docker.io/library/alpine", "tag": "3.19"}),
    ("push localhost:5000/mybox:v1", "POST", "/images/localhost:5000/mybox/push", {"tag": "v1"}),
    ("search --limit 5 busybox", "GET", "/images/search", {"limit": "5", "term": "busybox"}),
    ("stop web", "POST", "/containers/web/stop", {}),
    ("stop -t 1 k1", "POST", "/containers/k1/stop", {"t": "1"}),
    ("kill -s HUP k1", "POST", "/containers/k1/kill", {"signal": "HUP"}),
    ("restart -t 1 c1", "POST", "/containers/c1/restart", {"t": "1"}),
    ("rm -f fg", "DELETE", "/containers/fg", {"force": "1"}),
    ("rm -v k1", "DELETE", "/containers/k1", {"v": "1"}),
    ("wait c1", "POST", "/containers/c1/wait", {}),
    ("top c1", "GET", "/containers/c1/top", {}),
    ("history busybox", "GET", "/images/busybox/history", {}),
    ("image prune -f", "POST", "/images/prune", {"filters": '{"dangling":{"true":true}}'}),
    ("container prune -f", "POST", "/containers/prune", {}),
    ("system df", "GET", "/system/df", {}),
    ("volume create v1", "POST", "/volumes/create", {}),
    ("volume rm v1", "DELETE", "/volumes/v1", {}),
    ("version", "GET", "/version", {}),
    ("info", "GET", "/info", {}),
])
def test_request_line(engine: FakeEngine, capfd, argv: str, method: str, path: str, query: dict) -> None:
    main(argv.split())
    capfd.readouterr()
    seen = [s for s in engine.seen if not s.path.endswith("/_ping")]
    assert seen, "no request reached the engine"
    last = seen[-1]
    assert (last.method, last.path, last.query) == (method, "/v1.41" + path, query)
    if path in ("/images/create", "/images/search") or path.endswith("/push"):
        assert last.headers["x-registry-auth"] == "e30="
