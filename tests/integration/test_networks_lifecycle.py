"""Real-kernel tests of the networking lifecycle: disconnect, cleanup, failures undone, restore after a restart, orphan sweep, concurrency."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from minidocker import paths
from minidocker.dockerd.networks import NetworkManager
from minidocker.dockerd.networks.manager import instance_tag
from minidocker.dockerd.networks.nat import Chains
from minidocker.linux import netns
from networks_fixture import CID1, CID2, fetch, iptables_lines, links, mgr, ns_run, serve_once  # noqa: F401 - mgr: a fixture

pytestmark = pytest.mark.root


def test_connect_is_idempotent_and_disconnect_releases_the_address(mgr):
    first = mgr.connect(CID1)
    assert mgr.connect(CID1)["IPAddress"] == first["IPAddress"]
    mgr.disconnect(CID1)
    mgr.disconnect(CID1)  # twice is fine
    mgr.wait_settled()  # the veth goes on a thread; its address is free once it is gone
    assert mgr.connect(CID2)["IPAddress"] == first["IPAddress"]


def test_cleanup_leaves_nothing_behind(mgr):
    one = mgr.connect(CID1, port_bindings={"80/tcp": [{"HostPort": ""}]})
    mgr.connect(CID2, "none")
    host_if = mgr.store.endpoint(CID1)["HostIf"]
    base = Chains(instance_tag()).base
    assert host_if in links() and iptables_lines(base)
    mgr.disconnect(CID1)
    mgr.wait_settled()
    assert host_if not in links() and not Path(one["SandboxKey"]).exists()
    assert not [line for line in iptables_lines(base) if "-j DNAT" in line]
    mgr.cleanup_instance()
    assert f"mdbr-{instance_tag()}" not in links()
    assert iptables_lines(base) == []
    assert list((paths.run_dir() / "netns").glob("*")) == []


RESTART_CHILD = """
import json, sys
from pathlib import Path
from minidocker.dockerd.networks import NetworkManager
mgr = NetworkManager(Path(sys.argv[1]))
print(json.dumps(mgr.connect(sys.argv[2], port_bindings={"80/tcp": [{"HostPort": ""}]})))
"""


def test_restore_after_daemon_restart_keeps_the_running_sandbox(mgr):
    # connect in another process that then exits, as a dockerd killed with containers still running
    child = subprocess.run([sys.executable, "-c", RESTART_CHILD, str(mgr.store.root), CID1],
                           capture_output=True, text=True, env=os.environ, timeout=60)
    assert child.returncode == 0, child.stderr
    before = json.loads(child.stdout)
    restarted = NetworkManager(mgr.store.root)
    restarted.restore()
    assert restarted.settings(CID1)["IPAddress"] == before["IPAddress"]
    port = int(before["Ports"]["80/tcp"][0]["HostPort"])
    server = serve_once(before["SandboxKey"], 80, b"still here")
    assert fetch("127.0.0.1", port) == b"still here"
    server.join(5)
    # addresses in use survived: the next container gets another one
    assert restarted.connect(CID2)["IPAddress"] != before["IPAddress"]
    restarted.cleanup_instance()


def test_failed_connect_leaves_nothing_half_made(mgr):
    mgr.connect(CID1)  # the bridge exists
    from minidocker.dockerd.networks.sandbox import veth_name

    clash = veth_name(instance_tag(), CID2)
    subprocess.run(["ip", "link", "add", clash, "type", "bridge"], check=True)
    try:
        with pytest.raises(Exception):
            mgr.connect(CID2, port_bindings={"80/tcp": [{"HostPort": ""}]})
        assert mgr.settings(CID2) is None
        assert not (paths.run_dir() / "netns" / CID2).exists()
        assert not [line for line in iptables_lines(Chains(instance_tag()).base) if "-j DNAT" in line]
    finally:
        subprocess.run(["ip", "link", "del", clash], capture_output=True)
    assert mgr.connect(CID2)["IPAddress"] != mgr.settings(CID1)["IPAddress"]


def test_bridge_deleted_behind_our_back_is_remade(mgr):
    first = mgr.connect(CID1)
    mgr.disconnect(CID1)
    subprocess.run(["ip", "link", "del", f"mdbr-{instance_tag()}"], check=True)
    again = mgr.connect(CID2)
    # same subnet unless a parallel engine took it while the bridge was gone: then a free one
    assert again["Gateway"].endswith(".1") and first["Gateway"].endswith(".1")
    assert f" mdbr-{instance_tag()}:" in links()
    assert ns_run(again["SandboxKey"], "busybox", "ping", "-c", "1", "-W", "3", again["Gateway"]).returncode == 0


def test_restarting_a_container_reuses_its_veth_name_safely(mgr):
    first = mgr.connect(CID1)
    mgr.disconnect(CID1)
    again = mgr.connect(CID1)  # same container id, same veth name: waits for the old one to go
    assert ns_run(again["SandboxKey"], "busybox", "ping", "-c", "1", "-W", "3", again["Gateway"]).returncode == 0
    assert again["IPAddress"] != "" and first["Gateway"] == again["Gateway"]


def test_restore_sweeps_networks_of_deleted_roots(mgr, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    own_root = os.environ[paths.ENV_ROOT]
    gone_root = tmp_path / "gone-root"
    gone_root.mkdir()
    monkeypatch.setenv(paths.ENV_ROOT, str(gone_root))
    gone = NetworkManager(paths.state_dir() / "network")
    gone_tag = gone.tag
    try:
        gone.connect(CID1)
        gone_bridge = f"mdbr-{gone_tag}"
        assert gone_bridge in links()
        alias = Path(f"/sys/class/net/{gone_bridge}/ifalias").read_text()
        assert alias.split() == ["minidocker", gone_tag, str(gone_root)]
        # the root vanishes without cleanup_instance(), as a deleted temporary directory would
        for ns_file in (gone_root / "run" / "netns").iterdir():
            netns.remove(ns_file)
        subprocess.run(["rm", "-rf", str(gone_root)], check=True)
        monkeypatch.setenv(paths.ENV_ROOT, own_root)
        mgr.restore()  # any engine's start-up
        assert f" {gone_bridge}:" not in links()
        assert iptables_lines(Chains(gone_tag).base) == []
    finally:
        monkeypatch.setenv(paths.ENV_ROOT, own_root)
        subprocess.run(["ip", "link", "del", f"mdbr-{gone_tag}"], capture_output=True)
        Chains(gone_tag).remove()


def test_restore_twice_adds_no_duplicate_rules(mgr):
    mgr.connect(CID1, port_bindings={"80/tcp": [{"HostPort": ""}]})
    before = sorted(mgr.catalog.chains.dump().splitlines())
    again = NetworkManager(mgr.store.root)
    again.restore()  # chains exist: the rule-by-rule path
    assert sorted(again.catalog.chains.dump().splitlines()) == before


def test_twenty_concurrent_connects_get_distinct_addresses_and_leave_nothing(mgr):
    from concurrent.futures import ThreadPoolExecutor

    ids = [f"{i:02d}" + "e" * 62 for i in range(20)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda cid: mgr.connect(cid, port_bindings={"80/tcp": [{"HostPort": ""}]}), ids))
    addresses = [r["IPAddress"] for r in results]
    ports = [r["Ports"]["80/tcp"][0]["HostPort"] for r in results]
    assert len(set(addresses)) == 20 and len(set(ports)) == 20
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(mgr.disconnect, ids))
    mgr.wait_settled()
    from minidocker.dockerd.networks.sandbox import veth_name

    assert not [cid for cid in ids if veth_name(instance_tag(), cid) in links()]
    assert not [line for line in iptables_lines(Chains(instance_tag()).base) if "-j DNAT" in line]
    assert list((paths.run_dir() / "netns").glob("*")) == []


def test_connect_repairs_an_endpoint_half_made_by_a_crash(mgr):
    first = mgr.connect(CID1)
    host_if = mgr.store.endpoint(CID1)["HostIf"]
    subprocess.run(["ip", "link", "del", host_if], check=True)  # as if dockerd died between record and veth
    again = mgr.connect(CID1)
    assert host_if in links() and again["Gateway"] == first["Gateway"]
    assert ns_run(again["SandboxKey"], "busybox", "ping", "-c", "1", "-W", "3", again["Gateway"]).returncode == 0


def test_a_leftover_namespace_file_does_not_block_a_new_sandbox(mgr):
    leftover = mgr.netns_dir / CID1
    netns.create(leftover)  # pinned, but no endpoint record names it: a crash's leftover
    settings = mgr.connect(CID1, "none")
    assert settings["SandboxKey"] == str(leftover) and netns.is_pinned(leftover)
