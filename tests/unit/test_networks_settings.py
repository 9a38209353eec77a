"""Unit tests: NetworkSettings has Docker's shape (checked against captured inspect output) and /etc files."""

from __future__ import annotations

import json
from pathlib import Path

from minidocker.dockerd.networks import etcfiles, settings
from minidocker.dockerd.networks.sandbox import mac_for, veth_name

SAMPLE = Path("/work/shared/reference/engine-api-samples/inspect-1.json")
EP = {"Mode": "bridge", "NetworkName": "bridge", "NetworkID": "n" * 64, "EndpointID": "e" * 64,
      "SandboxID": "s" * 64, "SandboxKey": "/run/minidocker/netns/c", "IPAddress": "10.99.0.2",
      "IPPrefixLen": 24, "Gateway": "10.99.0.1", "MacAddress": "02:42:0a:63:00:02",
      "ExposedPorts": {"80/tcp": {}, "443/tcp": {}},
      "Ports": [{"Key": "80/tcp", "HostIp": "", "HostPort": 8080}]}


def docker_network_settings() -> dict:
    if SAMPLE.exists():
        return json.loads(SAMPLE.read_text())["response"]["NetworkSettings"]
    import pytest

    pytest.skip("captured Docker sample not available")


def test_keys_match_dockers_inspect():
    ours = settings.network_settings(EP)
    theirs = docker_network_settings()
    assert set(ours) == set(theirs)
    assert set(ours["Networks"]["bridge"]) == set(theirs["Networks"]["bridge"])


def test_values_for_a_bridge_endpoint():
    ours = settings.network_settings(EP)
    assert (ours["IPAddress"], ours["Gateway"], ours["IPPrefixLen"]) == ("10.99.0.2", "10.99.0.1", 24)
    assert ours["Networks"]["bridge"]["IPAddress"] == "10.99.0.2"
    assert ours["Ports"] == {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "443/tcp": None}


def test_none_mode_has_no_address_and_no_ports():
    ours = settings.network_settings({"Mode": "none", "NetworkName": "none", "ExposedPorts": {"80/tcp": {}}})
    assert ours["IPAddress"] == "" and ours["Ports"] == {} and list(ours["Networks"]) == ["none"]


def test_stopped_settings_are_empty_but_list_the_network():
    ours = settings.stopped_settings()
    assert ours["IPAddress"] == "" and ours["SandboxKey"] == "" and list(ours["Networks"]) == ["bridge"]


def test_mac_follows_dockers_rule_and_veth_names_fit_ifnamsiz():
    assert mac_for("172.17.0.2") == "02:42:ac:11:00:02"  # the captured Docker sample's pair
    name = veth_name("1a2b3c4d", "f" * 64)
    assert len(name) <= 15 and name.startswith("veth")
    assert veth_name("1a2b3c4d", "f" * 64) != veth_name("5e6f7a8b", "f" * 64)


def test_hosts_file_names_the_container(tmp_path):
    text = etcfiles.hosts_file(settings.network_settings(EP), "web")
    assert "127.0.0.1\tlocalhost" in text and text.endswith("10.99.0.2\tweb\n")


def test_resolv_conf_drops_loopback_resolvers(tmp_path):
    host = tmp_path / "resolv.conf"
    host.write_text("search example.org\nnameserver 127.0.0.53\n")
    text = etcfiles.resolv_conf(host)
    assert "127.0.0.53" not in text and "nameserver 8.8.8.8" in text and "search example.org" in text
    host.write_text("nameserver 192.0.2.53\n")
    assert etcfiles.resolv_conf(host) == "nameserver 192.0.2.53\n"
    host.write_text("nameserver 127.0.0.53\n")
    assert etcfiles.resolv_conf(host, host_network=True) == "nameserver 127.0.0.53\n"
