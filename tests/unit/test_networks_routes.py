"""Unit tests of the network endpoints' request handling (dockerd/api/networks.py) over a recording backend."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from minidocker.dockerd.api import networks as _handlers  # noqa: F401 - registers the routes
from minidocker.dockerd.api import router
from minidocker.errors import InvalidArgument


class Recorder:
    """Stands in for NetworkManager: records what the handlers asked."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def list_networks(self, filters):
        self.calls.append(("list", filters))
        return []

    def create_network(self, body):
        self.calls.append(("create", body))
        return {"Id": "n" * 64, "Warning": ""}

    def remove_network(self, ref):
        self.calls.append(("remove", ref))

    def network(self, ref):
        return {"Id": "n" * 64, "Name": ref, "Driver": "bridge"}

    def prune_networks(self, filters):
        self.calls.append(("prune", filters))
        return {"NetworksDeleted": []}


class Events:
    """Stands in for dockerd's event log: network create/destroy are events, as Docker's."""

    def __init__(self) -> None:
        self.seen: list[tuple] = []

    def emit(self, kind, action, actor_id, attributes=None, image=""):
        self.seen.append((kind, action, (attributes or {}).get("name")))


def call(method: str, path: str, query=None, body: bytes = b""):
    backend = SimpleNamespace(networks=Recorder(), events=Events())
    route, params = router.match(method, path)
    resp = route.handler(router.Request(method, path, params, query or {}, {}, body, backend))
    return resp, backend.networks.calls


def test_list_passes_filters_in_both_encodings():
    _, calls = call("GET", "/networks", {"filters": json.dumps({"name": {"web": True}, "driver": ["bridge"]})})
    assert calls == [("list", {"name": ["web"], "driver": ["bridge"]})]


def test_list_refuses_unknown_filters_and_non_local_scope_matches_nothing():
    with pytest.raises(InvalidArgument, match="invalid filter 'colour'"):
        call("GET", "/networks", {"filters": json.dumps({"colour": ["red"]})})
    _, calls = call("GET", "/networks", {"filters": json.dumps({"scope": ["swarm"]})})
    assert calls == [("list", {"id": ["-"]})]
    _, calls = call("GET", "/networks", {"filters": json.dumps({"scope": ["local"]})})
    assert calls == [("list", {})]


def test_create_needs_a_json_object_and_answers_201():
    resp, calls = call("POST", "/networks/create", body=b'{"Name": "n1", "CheckDuplicate": true}')
    assert resp.status == 201 and calls == [("create", {"Name": "n1", "CheckDuplicate": True})]
    with pytest.raises(InvalidArgument):
        call("POST", "/networks/create", body=b'["n1"]')


def test_remove_answers_204_and_prune_refuses_until():
    resp, calls = call("DELETE", "/networks/n1")
    assert resp.status == 204 and calls == [("remove", "n1")]
    with pytest.raises(InvalidArgument):
        call("POST", "/networks/prune", {"filters": json.dumps({"until": ["24h"]})})
