"""docker update's merge into HostConfig and the runtime resources it sends; link variables (pure functions)."""

from __future__ import annotations

import pytest

from minidocker.dockerd.links import link_env, parse
from minidocker.dockerd.update import merge, runtime_resources
from minidocker.errors import Conflict


def test_merge_keeps_what_the_update_leaves_at_zero():
    hc = {"CpuShares": 100, "Memory": 64 << 20, "MemorySwap": 128 << 20, "PidsLimit": None}
    merge(hc, {"CpuShares": 0, "Memory": 96 << 20, "PidsLimit": -1, "RestartPolicy": {"Name": "always"}})
    assert hc == {"CpuShares": 100, "Memory": 96 << 20, "MemorySwap": 128 << 20, "PidsLimit": 0,
                  "RestartPolicy": {"Name": "always", "MaximumRetryCount": 0}}


@pytest.mark.parametrize("current, update, words", [
    ({"MemorySwap": 0}, {"Memory": 32 << 20}, "update the memoryswap at the same time"),
    ({"NanoCpus": 10**9}, {"CpuQuota": 50000}, "CPU Quota cannot be updated as NanoCPUs has already been set"),
    ({"CpuPeriod": 50000}, {"NanoCpus": 10**9}, "Nano CPUs cannot be updated as CPU Period has already been set"),
    ({"AutoRemove": True}, {"RestartPolicy": {"Name": "always"}}, "AutoRemove is enabled"),
])
def test_merge_refuses_dockerds_conflicts(current, update, words):
    with pytest.raises(Conflict, match=words):
        merge(dict(current), update)


def test_runtime_resources_name_only_what_the_update_gives():
    assert runtime_resources({"CpuShares": 512}) == {"cpu": {"shares": 512}}
    assert runtime_resources({"NanoCpus": 5 * 10**8, "PidsLimit": 0}) == {
        "cpu": {"period": 100000, "quota": 50000}, "pids": {"limit": -1}}
    assert runtime_resources({"Memory": 1 << 26, "MemorySwap": -1}) == {"memory": {"limit": 1 << 26, "swap": -1}}
    assert runtime_resources({}) == {}


def test_link_variables_with_a_port_range():
    env = link_env("/web/db", "10.0.0.2", ["PATH=/x", "A=b", "NOVALUE"], {"80/udp": {}, "80/tcp": {}, "81/tcp": {},
                                                                         "82/tcp": {}})
    assert env[0] == "DB_PORT=tcp://10.0.0.2:80"  # the lowest port, tcp first
    assert env[1:7] == ["DB_PORT_80_TCP_START=tcp://10.0.0.2:80", "DB_PORT_80_TCP_ADDR=10.0.0.2",
                        "DB_PORT_80_TCP_PROTO=tcp", "DB_PORT_80_TCP_PORT_START=80",
                        "DB_PORT_80_TCP_END=tcp://10.0.0.2:82", "DB_PORT_80_TCP_PORT_END=82"]
    assert env[-2:] == ["DB_NAME=/web/db", "DB_ENV_A=b"]  # PATH and entries without a value are left out
    assert "DB_PORT_80_UDP_PROTO=udp" in env
    assert parse("db") == ("db", "db") and parse("/db:data") == ("db", "data")
