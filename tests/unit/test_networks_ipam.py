"""Unit tests of subnet choice and address allocation (dockerd/networks/ipam.py) and the endpoint store."""

from __future__ import annotations

import ipaddress

import pytest

from minidocker.dockerd.networks import ipam
from minidocker.dockerd.networks.store import Store
from minidocker.errors import Conflict


def nets(*texts: str) -> list:
    return [ipaddress.ip_network(t) for t in texts]


def test_free_subnet_skips_overlapping_routes():
    assert str(ipam.free_subnet(nets("10.99.0.0/24", "10.99.1.128/25"))) == "10.99.2.0/24"


def test_free_subnet_ignores_unrelated_networks():
    assert str(ipam.free_subnet(nets("172.17.0.0/16", "192.0.2.0/24"))) == "10.99.0.0/24"


def test_free_subnet_exhausted_pool_is_a_conflict():
    with pytest.raises(Conflict):
        ipam.free_subnet(nets("10.99.0.0/16"))


def test_allocator_gateway_is_never_handed_out_and_release_reuses():
    alloc = ipam.Allocator("10.99.5.0/24", in_use=["10.99.5.2"])
    assert str(alloc.gateway) == "10.99.5.1"
    first = alloc.allocate()
    assert first == "10.99.5.3"
    alloc.release(first)
    assert alloc.allocate() == first


def test_allocator_exhausts():
    alloc = ipam.Allocator("10.99.5.0/30")  # hosts .1 (gateway) and .2
    assert alloc.allocate() == "10.99.5.2"
    with pytest.raises(Conflict):
        alloc.allocate()


def test_store_round_trips_and_leaves_no_temp_files(tmp_path):
    store = Store(tmp_path)
    store.save_endpoint({"ContainerID": "abc", "IPAddress": "10.99.0.2"})
    store.save_network({"Id": "n1", "Name": "bridge"})
    assert store.endpoint("abc")["IPAddress"] == "10.99.0.2"
    assert [n["Name"] for n in store.networks()] == ["bridge"]
    assert sorted(p.name for p in (tmp_path / "endpoints").iterdir()) == ["abc.json"]
    store.drop_endpoint("abc")
    assert store.endpoint("abc") is None and store.endpoints() == []
