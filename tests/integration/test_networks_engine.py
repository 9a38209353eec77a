"""Networking through the whole engine with the real docker CLI: -p on 127.0.0.1, -P, none, host, container to container."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture

pytestmark = pytest.mark.root


def http_get(url: str, timeout: float = 15.0) -> bytes:
    """GET with a deadline: the server in the container needs a moment to bind."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return urllib.request.urlopen(url, timeout=2).read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def inspect(engine, name: str) -> dict:  # noqa: F811
    return json.loads(engine.docker("inspect", name, check=True).stdout)[0]


def test_busybox_httpd_published_answers_on_loopback(engine) -> None:  # noqa: F811
    engine.docker("run", "-d", "--name", "web", "-p", "127.0.0.1::80", "busybox", "sh", "-c",
                  "mkdir -p /www && echo hello from web > /www/index.html && exec httpd -f -p 80 -h /www", check=True)
    try:
        info = inspect(engine, "web")
        binding = info["NetworkSettings"]["Ports"]["80/tcp"][0]
        assert binding["HostIp"] == "127.0.0.1" and int(binding["HostPort"]) > 0
        assert veth_of(engine, info["Id"]) in links()
        assert http_get(f"http://127.0.0.1:{binding['HostPort']}/index.html") == b"hello from web\n"
        port = engine.docker("port", "web", "80/tcp", check=True).stdout.strip()
        assert port == f"127.0.0.1:{binding['HostPort']}"
        ps = engine.docker("ps", "--format", "{{.Ports}}", "--filter", "name=web", check=True).stdout.strip()
        assert ps == f"127.0.0.1:{binding['HostPort']}->80/tcp"
        # a second container reaches the first by address on the bridge
        address = info["NetworkSettings"]["IPAddress"]
        out = engine.docker("run", "--rm", "busybox", "wget", "-q", "-O", "-", f"http://{address}/index.html", check=True)
        assert out.stdout == "hello from web\n"
    finally:
        engine.docker("rm", "-f", "web")
    deadline = time.monotonic() + 10  # the veth is deleted in the background (an RCU grace period)
    while veth_of(engine, info["Id"]) in links() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert veth_of(engine, info["Id"]) not in links()
    assert not (engine.root / "run" / "netns" / info["Id"]).exists()


def test_publish_all_and_docker_port(engine) -> None:  # noqa: F811
    engine.docker("run", "-d", "--name", "pub", "--expose", "80", "-P", "busybox", "sh", "-c",
                  "mkdir -p /www && echo all > /www/index.html && exec httpd -f -p 80 -h /www", check=True)
    try:
        port = inspect(engine, "pub")["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]
        assert http_get(f"http://127.0.0.1:{port}/index.html") == b"all\n"
    finally:
        engine.docker("rm", "-f", "pub")


def test_user_defined_network_with_the_docker_cli(engine) -> None:  # noqa: F811
    engine.docker("network", "create", "course-net", check=True)
    try:
        names = engine.docker("network", "ls", "--format", "{{.Name}} {{.Driver}}", check=True).stdout.split("\n")
        assert {"bridge bridge", "host host", "none null", "course-net bridge"} <= set(names)
        out = engine.docker("run", "--rm", "--network", "course-net", "busybox", "ip", "-o", "-4", "addr", "show",
                            "eth0", check=True).stdout
        subnet = json.loads(engine.docker("network", "inspect", "course-net", check=True).stdout)[0]["IPAM"]["Config"][0]
        assert f"inet {subnet['Gateway'].rsplit('.', 1)[0]}." in out
    finally:
        engine.docker("network", "rm", "course-net")
    res = engine.docker("network", "inspect", "course-net")
    assert res.returncode != 0


def links() -> str:
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout


def veth_of(engine, container_id: str) -> str:  # noqa: F811
    """The host-side veth name the engine (at its own root) gives a container."""
    import hashlib

    from minidocker.dockerd.networks.sandbox import veth_name

    tag = hashlib.sha256(str(engine.root.resolve()).encode()).hexdigest()[:8]  # as paths.instance_name()
    return veth_name(tag, container_id)


def test_network_none_has_only_loopback(engine) -> None:  # noqa: F811
    out = engine.docker("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link", check=True).stdout
    assert [line.split(":")[1].strip() for line in out.splitlines()] == ["lo"]


def test_network_host_shares_the_hosts_namespace(engine) -> None:  # noqa: F811
    out = engine.docker("run", "--rm", "--network", "host", "busybox", "readlink", "/proc/self/ns/net", check=True)
    assert out.stdout.strip() == os.readlink("/proc/self/ns/net")
    own = engine.docker("run", "--rm", "busybox", "readlink", "/proc/self/ns/net", check=True)
    assert own.stdout.strip() != os.readlink("/proc/self/ns/net")


def test_bridge_container_has_eth0_with_its_address(engine) -> None:  # noqa: F811
    out = engine.docker("run", "--rm", "busybox", "ip", "-o", "-4", "addr", "show", "eth0", check=True).stdout
    assert " eth0 " in out and "inet 10.99." in out
