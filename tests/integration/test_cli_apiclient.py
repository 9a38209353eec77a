"""minidocker.client's APIClient and docker-py-like models against a real engine (what the notebooks use)."""

from __future__ import annotations

import io
import tarfile

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture
from minidocker.client import APIClient, from_env
from minidocker.client.errors import APIError, NotFound
from minidocker.client.models import ContainerError

pytestmark = pytest.mark.root


@pytest.fixture
def api(engine, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MINIDOCKER_ROOT", str(engine.root))
    monkeypatch.delenv("MINIDOCKER_HOST", raising=False)
    client = APIClient()
    yield client
    client.close()


def test_version_info_ping(api: APIClient) -> None:
    assert api.ping() is True
    assert api.version()["ApiVersion"] == "1.41" and api.api_version == "1.41"
    assert "Containers" in api.info()


def test_create_start_wait_logs_remove(api: APIClient) -> None:
    cid = api.create_container("busybox", ["sh", "-c", "echo out; echo err >&2; exit 2"],
                               environment={"K": "v"}, labels={"course": "yes"})["Id"]
    try:
        assert api.inspect_container(cid)["Config"]["Labels"] == {"course": "yes"}
        api.start(cid)
        assert api.wait(cid)["StatusCode"] == 2
        assert sorted(api.logs(cid).splitlines()) == [b"err", b"out"]  # two pipes: no order between them
        assert api.logs(cid, stderr=False) == b"out\n"
        assert list(api.logs(cid, stream=True, stdout=False)) == [b"err\n"]
    finally:
        api.remove_container(cid, force=True)
    with pytest.raises(NotFound):
        api.inspect_container(cid)


def test_exec_and_archives(api: APIClient) -> None:
    cid = api.create_container("busybox", ["sleep", "60"])["Id"]
    try:
        api.start(cid)
        exec_id = api.exec_create(cid, "sh -c 'echo ran; exit 4'")["Id"]
        try:
            output = api.exec_start(exec_id)
        except APIError as err:
            pytest.skip(f"the engine's exec does not work yet: {err}")
        assert output == b"ran\n" and api.exec_inspect(exec_id)["ExitCode"] == 4
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo("hello.txt")
            info.size = 6
            tar.addfile(info, io.BytesIO(b"hello\n"))
        try:
            api.put_archive(cid, "/tmp", buf.getvalue())
        except APIError as err:
            if err.status in (404, 405):
                pytest.skip(f"the engine has no archive endpoint yet: {err}")
            raise
        chunks, stat = api.get_archive(cid, "/tmp/hello.txt")
        with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as tar:
            assert tar.extractfile("hello.txt").read() == b"hello\n"
        assert stat["name"] == "hello.txt" and stat["size"] == 6
    finally:
        api.remove_container(cid, force=True)


def test_models_run_like_docker_py(api: APIClient, engine) -> None:
    client = from_env()
    try:
        assert client.containers.run("busybox", ["echo", "hi"], remove=True) == b"hi\n"
        with pytest.raises(ContainerError) as info:
            client.containers.run("busybox", "sh -c 'echo bad >&2; exit 3'", remove=True)
        assert info.value.exit_status == 3 and info.value.stderr == b"bad\n"
        c = client.containers.run("busybox", "sleep 60", detach=True, name="models-web")
        try:
            c.reload()
            assert c.status == "running" and c.name == "models-web"
            assert c in client.containers.list()
            assert "busybox:latest" in client.images.get("busybox").tags
            c.stop(timeout=1)
            c.reload()
            assert c.status == "exited"
        finally:
            c.remove(force=True)
    finally:
        client.close()


def test_volumes(api: APIClient) -> None:
    vol = api.create_volume("api-vol", labels={"a": "b"})
    try:
        assert vol["Name"] == "api-vol"
        assert "api-vol" in [v["Name"] for v in api.volumes()["Volumes"]]
        assert api.inspect_volume("api-vol")["Labels"] == {"a": "b"}
    finally:
        api.remove_volume("api-vol")
    with pytest.raises(NotFound):
        api.inspect_volume("api-vol")


def test_networks(api: APIClient) -> None:
    names = [n["Name"] for n in api.networks()]
    assert {"bridge", "host", "none"} <= set(names)
    assert api.inspect_network("bridge")["Driver"] == "bridge"
