"""Real-kernel tests of the network endpoints (GET/POST/DELETE /networks...) through the route table, and user-defined networks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from minidocker import paths
from minidocker.dockerd.api import networks as _handlers  # noqa: F401 - registers the routes
from minidocker.dockerd.api import router
from minidocker.dockerd.networks import NetworkManager
from minidocker.dockerd.networks.nat import Chains
from minidocker.errors import MinidockerError, NotFound

pytestmark = pytest.mark.root


class FakeContainers:
    """The one thing the handlers ask the daemon's container store: a name for an id."""

    def get(self, ref: str):
        if ref.startswith("a"):
            return SimpleNamespace(name="/web")
        raise NotFound(f"No such container: {ref}")


@pytest.fixture
def api(md_root: Path):
    mgr = NetworkManager(paths.state_dir() / "network")
    from minidocker.dockerd.events import EventBus

    backend = SimpleNamespace(networks=mgr, containers=FakeContainers(), events=EventBus())

    def call(method: str, path: str, body=None, query=None):
        found = router.match(method, path)
        assert found, f"no route for {method} {path}"
        route, params = found
        req = router.Request(method, path, params, query or {}, {}, json.dumps(body).encode() if body else b"", backend)
        return route.handler(req)

    call.mgr = mgr
    yield call
    try:
        mgr.cleanup_instance()
    finally:
        for record in mgr.store.networks():
            if record.get("Bridge"):
                subprocess.run(["ip", "link", "del", record["Bridge"]], capture_output=True)
        Chains(mgr.tag).remove()


def test_list_shows_the_three_predefined_networks(api):
    resp = api("GET", "/networks")
    assert resp.status == 200
    assert sorted(n["Name"] for n in resp.body) == ["bridge", "host", "none"]
    assert {n["Driver"] for n in resp.body} == {"bridge", "host", "null"}
    filtered = api("GET", "/networks", query={"filters": json.dumps({"driver": ["bridge"]})}).body
    assert [n["Name"] for n in filtered] == ["bridge"]


def test_inspect_bridge_lists_connected_containers_by_name(api):
    settings = api.mgr.connect("a" * 64)
    body = api("GET", "/networks/bridge").body
    assert body["IPAM"]["Config"] == [{"Subnet": body["IPAM"]["Config"][0]["Subnet"], "Gateway": settings["Gateway"]}]
    member = body["Containers"]["a" * 64]
    assert member["Name"] == "web" and member["IPv4Address"] == f"{settings['IPAddress']}/{settings['IPPrefixLen']}"
    assert api("GET", f"/networks/{body['Id'][:12]}").body["Name"] == "bridge"
    with pytest.raises(NotFound):
        api("GET", "/networks/nosuch")


def test_user_defined_network_lifecycle(api):
    created = api("POST", "/networks/create", {"Name": "backend", "Labels": {"course": "08"}})
    assert created.status == 201 and len(created.body["Id"]) == 64
    info = api("GET", "/networks/backend").body
    bridge = info["Options"]["com.docker.network.bridge.name"]
    assert f" {bridge}:" in subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    one, two = api.mgr.connect("a" * 64, "backend"), api.mgr.connect("b" * 64, "backend")
    assert one["IPAddress"] == "" and one["Networks"]["backend"]["IPAddress"]  # top level is the default bridge's
    ping = subprocess.run(["nsenter", f"--net={one['SandboxKey']}", "busybox", "ping", "-c", "1", "-W", "3",
                           two["Networks"]["backend"]["IPAddress"]], capture_output=True, text=True)
    assert ping.returncode == 0, ping.stdout + ping.stderr
    with pytest.raises(MinidockerError) as busy:
        api("DELETE", "/networks/backend")
    assert busy.value.status == 403 and "has active endpoints" in str(busy.value)
    with pytest.raises(MinidockerError) as dup:
        api("POST", "/networks/create", {"Name": "backend"})
    assert dup.value.status == 409
    api.mgr.disconnect("a" * 64)
    api.mgr.disconnect("b" * 64)
    assert api("DELETE", "/networks/backend").status == 204
    assert f" {bridge}:" not in subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout


def test_user_subnet_is_honoured_and_bad_ones_refused(api):
    body = {"Name": "fixed", "IPAM": {"Config": [{"Subnet": "10.98.77.0/24", "Gateway": "10.98.77.254"}]}}
    api("POST", "/networks/create", body)
    settings = api.mgr.connect("a" * 64, "fixed")
    assert settings["Networks"]["fixed"]["Gateway"] == "10.98.77.254"
    assert settings["Networks"]["fixed"]["IPAddress"] == "10.98.77.1"
    with pytest.raises(MinidockerError) as bad:
        api("POST", "/networks/create", {"Name": "x", "IPAM": {"Config": [{"Subnet": "10.98.0.0/16", "Gateway": "10.97.0.1"}]}})
    assert bad.value.status == 400


def test_predefined_networks_cannot_be_removed_and_prune_keeps_used_ones(api):
    with pytest.raises(MinidockerError) as forbidden:
        api("DELETE", "/networks/bridge")
    assert forbidden.value.status == 403
    api("POST", "/networks/create", {"Name": "idle"})
    api("POST", "/networks/create", {"Name": "busy"})
    api.mgr.connect("a" * 64, "busy")
    assert api("POST", "/networks/prune").body == {"NetworksDeleted": ["idle"]}
    assert sorted(n["Name"] for n in api("GET", "/networks").body) == ["bridge", "busy", "host", "none"]


def test_networks_are_isolated_from_each_other(api):
    api("POST", "/networks/create", {"Name": "front"})
    inside = api.mgr.connect("a" * 64, "front")
    outside = api.mgr.connect("b" * 64)  # the default bridge
    ping = subprocess.run(["nsenter", f"--net={inside['SandboxKey']}", "busybox", "ping", "-c", "1", "-W", "1",
                           outside["IPAddress"]], capture_output=True, text=True)
    assert ping.returncode != 0, "a container reached another network's container"
    # while its own gateway answers
    gateway = inside["Networks"]["front"]["Gateway"]
    assert subprocess.run(["nsenter", f"--net={inside['SandboxKey']}", "busybox", "ping", "-c", "1", "-W", "3",
                           gateway], capture_output=True).returncode == 0
