"""dockerd's registry client: push to and pull from the course's registry and the real one (distribution 2.8)."""

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from minidocker.dockerd.distribution.config import RegistryConfig
from minidocker.dockerd.distribution.pull import Pull
from minidocker.dockerd.distribution.push import Push
from minidocker.errors import DigestMismatch, NotFound
from minidocker.registry.server import RegistryServer
from tests.unit.images_fixtures import make_image, make_service


@pytest.fixture
def course_registry(tmp_path):
    server = RegistryServer(("127.0.0.1", 0), tmp_path / "registry")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def real_registry(tmp_path):
    """Debian's docker-registry (distribution 2.8) on a loopback port, for as long as the test runs."""
    if shutil.which("docker-registry") is None:
        pytest.skip("docker-registry is installed by the set-up")
    port = free_port()
    config = tmp_path / "config.yml"
    config.write_text(f"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {tmp_path / 'data'}\n  delete:\n    enabled: true\n"
                      f"http:\n  addr: 127.0.0.1:{port}\n")
    proc = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("docker-registry did not start")
    yield f"127.0.0.1:{port}"
    proc.kill()
    proc.wait()


def events(it):
    return list(it)


NO_MIRRORS = RegistryConfig()


def _roundtrip(tmp_path, host):
    src, _ = make_service(tmp_path / "src")
    image = make_image(src, [{"etc/a": b"A" * 5000}, {"etc/b": b"B"}], tags=(f"{host}/lib/app:v1",))
    pushed = events(Push(src, f"{host}/lib/app", "v1", config=NO_MIRRORS))
    assert pushed[0] == {"status": f"The push refers to repository [{host}/lib/app]"}
    assert [e["status"] for e in pushed if e.get("id")].count("Pushed") == 2
    aux = pushed[-1]["aux"]
    assert aux["Tag"] == "v1" and aux["Digest"].startswith("sha256:")
    again = events(Push(src, f"{host}/lib/app", "v1", config=NO_MIRRORS))
    assert [e["status"] for e in again if e.get("id")].count("Layer already exists") == 2

    dst, _ = make_service(tmp_path / "dst")
    pulled = events(Pull(dst, f"{host}/lib/app", "v1", config=NO_MIRRORS))
    statuses = [e["status"] for e in pulled]
    assert statuses[0] == "Pulling from lib/app" and statuses.count("Pull complete") == 2
    assert f"Digest: {aux['Digest']}" in statuses
    assert statuses[-1] == f"Status: Downloaded newer image for {host}/lib/app:v1"
    assert dst.get(f"{host}/lib/app:v1").id == image.id
    up_to_date = events(Pull(dst, f"{host}/lib/app", "v1", config=NO_MIRRORS))
    assert [e["status"] for e in up_to_date].count("Already exists") == 2
    assert up_to_date[-1]["status"] == f"Status: Image is up to date for {host}/lib/app:v1"
    return image


def test_push_and_pull_with_the_course_registry(tmp_path, course_registry):
    _roundtrip(tmp_path, f"127.0.0.1:{course_registry.server_address[1]}")


def test_push_and_pull_with_the_real_registry(tmp_path, real_registry):
    _roundtrip(tmp_path, real_registry)


def test_a_tampered_blob_is_refused_and_nothing_partial_stays(tmp_path, course_registry):
    host = f"127.0.0.1:{course_registry.server_address[1]}"
    src, _ = make_service(tmp_path / "src")
    image = make_image(src, [{"big": os.urandom(200_000)}], tags=(f"{host}/x:1",))
    events(Push(src, f"{host}/x", "1", config=NO_MIRRORS))
    layer = image.layers[0]["digest"]
    blob = course_registry.storage.blob_path(layer)
    blob.write_bytes(b"evil" + blob.read_bytes()[4:])
    dst, _ = make_service(tmp_path / "dst")
    with pytest.raises(DigestMismatch):
        events(Pull(dst, f"{host}/x", "1", config=NO_MIRRORS))
    assert not dst.blobs.has(layer)
    assert [p for p in (tmp_path / "dst").rglob("*") if "ingest" in str(p) and p.is_file()] == []
    with pytest.raises(NotFound):
        dst.get(f"{host}/x:1")


def test_a_mirror_serves_docker_hub_names(tmp_path, course_registry):
    host = f"127.0.0.1:{course_registry.server_address[1]}"
    src, _ = make_service(tmp_path / "src")
    image = make_image(src, [{"bin/sh": b"#!"}], tags=(f"{host}/library/busybox:latest",))
    events(Push(src, f"{host}/library/busybox", "latest", config=NO_MIRRORS))
    dst, _ = make_service(tmp_path / "dst")
    pulled = events(Pull(dst, "busybox", "latest", config=RegistryConfig(mirrors=[f"http://{host}"])))
    assert pulled[-1]["status"] == "Status: Downloaded newer image for busybox:latest"
    assert dst.get("busybox").id == image.id
    assert any(d.startswith("busybox@sha256:") for d in dst.inspect("busybox")["RepoDigests"])


def test_unknown_tag_is_not_found(tmp_path, course_registry):
    host = f"127.0.0.1:{course_registry.server_address[1]}"
    dst, _ = make_service(tmp_path / "dst")
    with pytest.raises(NotFound, match="not found"):
        events(Pull(dst, f"{host}/nothing", "v9", config=NO_MIRRORS))
