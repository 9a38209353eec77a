"""CVE-2020-8558 class: a container must not reach a service bound to the host's 127.0.0.1.

The test listens on 127.0.0.1 (a port the kernel picks); a container with Docker's default
capabilities (CAP_NET_RAW among them) hand-crafts a SYN for it and sends it at layer 2 to the
gateway (minidocker.attacks.lo_syn.c). It must get no answer, and the listener no connection.
A published port on 127.0.0.1, which needs route_localnet, must keep working.
"""

from __future__ import annotations

import socket

import pytest
from engine_fixture import engine  # noqa: F401

from minidocker.attacks import compiler, localnet

pytestmark = [pytest.mark.root, pytest.mark.skipif(compiler() is None, reason="needs cc to build lo-syn")]


def test_a_container_cannot_connect_to_the_hosts_loopback(engine, tmp_path):  # noqa: F811
    localnet.build_image(engine.status, "lo-syn", tmp_path)
    code, out, got = localnet.attack(engine.status, "lo-syn")
    assert "SYN sent" in out, out  # the attack really ran
    assert not got, f"the host's loopback service accepted a container: {got!r}"
    assert code == 1 and "no answer" in out, out


def test_a_port_published_on_loopback_still_answers(engine):  # noqa: F811
    engine.cli("run", "-d", "--name", "lo-web", "-p", "127.0.0.1::80", "busybox", "sh", "-c",
               "echo hi > /index.html && exec httpd -f -p 80 -h /")
    port = int(engine.cli("port", "lo-web", "80").stdout.strip().rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
        answer = b"".join(iter(lambda: s.recv(1000), b""))
    engine.cli("rm", "-f", "lo-web")
    assert b"200 OK" in answer and b"hi" in answer, answer
