"""Real-kernel tests of dockerd's networking: bridge, veth sandboxes, ping, published ports, none/host/container modes, NAT."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from minidocker import paths
from minidocker.dockerd.networks.manager import instance_tag
from minidocker.errors import Conflict, InvalidArgument, NotFound
from minidocker.linux import netns
from networks_fixture import CID1, CID2, CID3, fetch, links, mgr, ns_run, serve_once  # noqa: F401 - mgr: a fixture

pytestmark = pytest.mark.root


def test_two_sandboxes_on_the_bridge_ping_each_other(mgr):
    one, two = mgr.connect(CID1), mgr.connect(CID2)
    assert one["IPAddress"] != two["IPAddress"]
    assert one["Gateway"] == two["Gateway"] and one["Gateway"].endswith(".1")
    assert one["Networks"]["bridge"]["MacAddress"] == one["MacAddress"]
    result = ns_run(one["SandboxKey"], "busybox", "ping", "-c", "1", "-W", "3", two["IPAddress"])
    assert result.returncode == 0, result.stdout + result.stderr
    # eth0 inside carries the address, the default route goes to the gateway
    route = ns_run(two["SandboxKey"], "ip", "route", "show", "default").stdout
    assert f"via {two['Gateway']} dev eth0" in route


def test_bridge_and_subnet_are_the_instances_own(mgr):
    settings = mgr.connect(CID1)
    bridge = f"mdbr-{instance_tag()}"
    assert len(bridge) <= 15 and f" {bridge}:" in links()
    assert not settings["IPAddress"].startswith("172.17.")
    addrs = subprocess.run(["ip", "-o", "-4", "addr", "show", "dev", bridge], capture_output=True, text=True).stdout
    assert f"{settings['Gateway']}/{settings['IPPrefixLen']}" in addrs


def test_published_port_answers_on_loopback(mgr):
    settings = mgr.connect(CID1, port_bindings={"80/tcp": [{"HostIp": "", "HostPort": ""}]})
    host_port = int(settings["Ports"]["80/tcp"][0]["HostPort"])
    assert host_port > 0
    server = serve_once(settings["SandboxKey"], 80, b"hello from the sandbox")
    assert fetch("127.0.0.1", host_port) == b"hello from the sandbox"
    server.join(5)


def test_explicit_host_port_on_127_0_0_1_and_conflict(mgr):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    wanted = probe.getsockname()[1]
    probe.close()
    settings = mgr.connect(CID1, port_bindings={"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(wanted)}]})
    assert settings["Ports"]["8000/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": str(wanted)}]
    server = serve_once(settings["SandboxKey"], 8000, b"pinned")
    assert fetch("127.0.0.1", wanted) == b"pinned"
    server.join(5)
    with pytest.raises(Conflict, match="port is already allocated"):
        mgr.connect(CID2, port_bindings={"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(wanted)}]})
    assert mgr.settings(CID2) is None  # nothing half-made
    assert not (paths.run_dir() / "netns" / CID2).exists()


def test_publish_all_exposed_ports(mgr):
    settings = mgr.connect(CID1, exposed_ports={"80/tcp": {}, "53/udp": {}}, publish_all=True)
    assert set(settings["Ports"]) == {"80/tcp", "53/udp"}
    assert all(int(b[0]["HostPort"]) > 0 for b in settings["Ports"].values())


def test_sandbox_reaches_the_host_through_the_gateway(mgr):
    settings = mgr.connect(CID1)
    srv = socket.create_server((settings["Gateway"], 0))
    port = srv.getsockname()[1]
    srv.settimeout(10)

    def answer() -> None:
        conn, _ = srv.accept()
        with conn:
            conn.sendall(b"host says hi")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        out = ns_run(settings["SandboxKey"], "busybox", "nc", "-w", "3", settings["Gateway"], str(port))
        assert out.stdout == "host says hi", out.stderr
    finally:
        thread.join(5)
        srv.close()


def test_none_has_only_loopback_up(mgr):
    settings = mgr.connect(CID1, "none")
    assert settings["IPAddress"] == "" and list(settings["Networks"]) == ["none"]
    out = ns_run(settings["SandboxKey"], "ip", "-o", "link").stdout.splitlines()
    assert len(out) == 1 and ": lo:" in out[0] and "UP" in out[0]


def test_a_bridge_sandbox_has_loopback_and_eth0_up(mgr):
    settings = mgr.connect(CID1)
    out = ns_run(settings["SandboxKey"], "ip", "-o", "link").stdout.splitlines()
    assert [line.split(":")[1].strip().split("@")[0] for line in out] == ["lo", "eth0"]
    assert all(",UP" in line for line in out), out  # <LOOPBACK,UP,LOWER_UP>; a link down has no UP flag


def test_host_mode_has_no_sandbox(mgr):
    settings = mgr.connect(CID1, "host")
    assert settings["SandboxKey"] == "" and list(settings["Networks"]) == ["host"]
    assert not (paths.run_dir() / "netns" / CID1).exists()
    mgr.disconnect(CID1)
    assert mgr.settings(CID1) is None


def test_container_mode_joins_the_other_sandbox(mgr):
    first = mgr.connect(CID1)
    joined = mgr.connect(CID2, f"container:{CID1}")
    assert joined["SandboxKey"] == first["SandboxKey"]
    with pytest.raises(NotFound):
        mgr.connect(CID3, "container:" + "d" * 64)


@pytest.fixture
def runc_container(tmp_path: Path, busybox_rootfs: Path):
    """Run a busybox command under the real runc inside a given network namespace; killed and deleted at teardown."""
    state = tmp_path / "runc-state"
    started: list[str] = []

    def run(container_id: str, ns_path: str, argv: list[str]) -> None:
        bundle = tmp_path / f"bundle-{container_id}"
        bundle.mkdir()
        subprocess.run(["runc", "spec", "--bundle", str(bundle)], check=True)
        spec = json.loads((bundle / "config.json").read_text())
        spec["process"]["terminal"] = False
        spec["process"]["args"] = argv
        spec["root"] = {"path": str(busybox_rootfs), "readonly": False}
        spec["linux"]["namespaces"] = [n for n in spec["linux"]["namespaces"] if n["type"] != "network"]
        spec["linux"]["namespaces"].append({"type": "network", "path": ns_path})
        spec["process"].pop("rlimits", None)  # no CAP_SYS_RESOURCE here (DESIGN.md)
        (bundle / "config.json").write_text(json.dumps(spec))
        started.append(container_id)
        # the container inherits runc's stdio: a file, not a pipe, or run would wait for its EOF
        with open(tmp_path / f"{container_id}.log", "wb") as log:
            subprocess.run(["runc", "--root", str(state), "run", "--detach", "--bundle", str(bundle), container_id],
                           check=True, stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=30)

    yield run
    for container_id in started:
        subprocess.run(["runc", "--root", str(state), "delete", "--force", container_id], capture_output=True)


def test_busybox_httpd_under_runc_published_on_loopback(mgr, runc_container, busybox_rootfs):
    settings = mgr.connect(CID1, port_bindings={"80/tcp": [{"HostIp": "", "HostPort": ""}]})
    www = busybox_rootfs / "www"
    www.mkdir()
    (www / "index.html").write_text("served by httpd in a container\n")
    runc_container(f"mdnet-{os.getpid()}-{instance_tag()}", settings["SandboxKey"],
                   ["busybox", "httpd", "-f", "-p", "80", "-h", "/www"])
    port = int(settings["Ports"]["80/tcp"][0]["HostPort"])
    import time
    import urllib.request

    deadline = time.monotonic() + 10
    while True:  # httpd needs a moment to bind: poll with a deadline
        try:
            body = urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    assert body == b"served by httpd in a container\n"


def test_container_mode_accepts_an_id_prefix_and_refuses_path_tricks(mgr):
    first = mgr.connect(CID1)
    assert mgr.connect(CID2, f"container:{CID1[:12]}")["SandboxKey"] == first["SandboxKey"]
    assert mgr.connect(CID3, f"container:{CID2}")["SandboxKey"] == first["SandboxKey"]  # a joiner's owner
    with pytest.raises(InvalidArgument):
        mgr.connect("../../etc")


@pytest.fixture
def outside(tmp_path: Path):
    """A fake outside network the test owns: a namespace behind a veth, 198.51.100.0/30 (TEST-NET-2)."""
    ns_path = tmp_path / "outside-ns"
    host_if = "mdx" + instance_tag()
    netns.create(ns_path)
    try:
        subprocess.run(["ip", "link", "add", host_if, "type", "veth", "peer", "name", "eth0", "netns", str(ns_path)],
                       check=True)
        subprocess.run(["ip", "addr", "add", "198.51.100.1/30", "dev", host_if], check=True)
        subprocess.run(["ip", "link", "set", host_if, "up"], check=True)
        for cmd in (["ip", "addr", "add", "198.51.100.2/30", "dev", "eth0"], ["ip", "link", "set", "eth0", "up"],
                    ["ip", "link", "set", "lo", "up"]):
            subprocess.run(["nsenter", f"--net={ns_path}", *cmd], check=True)
        yield str(ns_path)
    finally:
        subprocess.run(["ip", "link", "del", host_if], capture_output=True)
        netns.remove(ns_path)


def test_outbound_traffic_is_masqueraded(mgr, outside):
    settings = mgr.connect(CID1)
    srv = netns.run_in(outside, lambda: socket.create_server(("198.51.100.2", 0)))
    port = srv.getsockname()[1]
    srv.settimeout(10)
    peers: list[str] = []

    def answer() -> None:
        with srv:
            conn, peer = srv.accept()
            with conn:
                peers.append(peer[0])
                conn.sendall(b"from outside")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    out = ns_run(settings["SandboxKey"], "busybox", "nc", "-w", "3", "198.51.100.2", str(port))
    thread.join(5)
    assert out.stdout == "from outside", out.stderr
    # the outside saw the host's address on that link, never the container's private one
    assert peers == ["198.51.100.1"]


def test_containers_reach_published_ports_through_the_gateway(mgr):
    server = mgr.connect(CID1, port_bindings={"80/tcp": [{"HostPort": ""}]})
    client = mgr.connect(CID2)
    port = server["Ports"]["80/tcp"][0]["HostPort"]
    for who, token in ((client, b"to a neighbour"), (server, b"to itself")):
        thread = serve_once(server["SandboxKey"], 80, token)
        out = ns_run(who["SandboxKey"], "busybox", "nc", "-w", "3", who["Gateway"], port)
        thread.join(5)
        assert out.stdout.encode() == token, out.stderr
