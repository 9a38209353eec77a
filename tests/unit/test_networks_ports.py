"""Unit tests of `-p` parsing, PortBindings validation and host-port reservation (dockerd/networks/ports.py)."""

from __future__ import annotations

import socket

import pytest

from minidocker.dockerd.networks import ports
from minidocker.errors import Conflict, InvalidArgument


@pytest.mark.parametrize(
    "spec, key, binding",
    [
        ("80", "80/tcp", {"HostIp": "", "HostPort": ""}),
        ("8080:80", "80/tcp", {"HostIp": "", "HostPort": "8080"}),
        ("127.0.0.1:8080:80/udp", "80/udp", {"HostIp": "127.0.0.1", "HostPort": "8080"}),
        ("127.0.0.1::80", "80/tcp", {"HostIp": "127.0.0.1", "HostPort": ""}),
    ],
)
def test_parse_publish_forms(spec, key, binding):
    assert ports.parse_publish(spec) == (key, binding)


@pytest.mark.parametrize("spec", ["", "a:b:c:d", "0", "70000", "8080:80/icmp", "300.1.1.1:80:80", "x:80"])
def test_parse_publish_rejects_bad_specs(spec):
    with pytest.raises(InvalidArgument):
        ports.parse_publish(spec)


def test_normalize_expands_bindings_and_publish_all():
    wanted = ports.normalize({"80/tcp": [{"HostIp": "", "HostPort": "8080"}, {"HostIp": "127.0.0.1", "HostPort": ""}]},
                             {"80/tcp": {}, "53/udp": {}}, publish_all=True)
    assert [(w["Key"], w["HostIp"], w["HostPort"]) for w in wanted] == [
        ("80/tcp", "", 8080), ("80/tcp", "127.0.0.1", 0), ("53/udp", "", 0)]


def test_normalize_without_publish_all_ignores_exposed():
    assert ports.normalize(None, {"80/tcp": {}}, publish_all=False) == []


def test_normalize_rejects_ranges_and_bad_ip():
    with pytest.raises(InvalidArgument):
        ports.normalize({"80/tcp": [{"HostPort": "8000-8010"}]}, None, False)
    with pytest.raises(InvalidArgument):
        ports.normalize({"80/tcp": [{"HostIp": "::1", "HostPort": "8000"}]}, None, False)


def test_reserve_refuses_a_port_in_use_with_dockers_message():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        with pytest.raises(Conflict, match=f"Bind for 127.0.0.1:{port} failed: port is already allocated"):
            ports.reserve("127.0.0.1", port, "tcp")
    finally:
        taken.close()


def test_reserve_port_zero_gets_a_free_port():
    sock = ports.reserve("127.0.0.1", 0, "tcp")
    try:
        assert sock.getsockname()[1] > 0
    finally:
        sock.close()


def test_ps_ports_lists_published_and_exposed():
    settings = {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "443/tcp": None}}
    assert ports.ps_ports(settings) == [
        {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
        {"PrivatePort": 443, "Type": "tcp"},
    ]


def test_reserve_on_an_address_the_host_lacks_says_so():
    with pytest.raises(InvalidArgument, match="cannot assign requested address"):
        ports.reserve("203.0.113.254", 0, "tcp")  # TEST-NET-3: no host has it
