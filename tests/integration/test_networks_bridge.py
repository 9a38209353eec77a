"""Real-kernel tests of dockerd's networking: bridge, veth sandboxes, ping, published ports, none/host, cleanup, restore."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from minidocker import paths
from minidocker.dockerd.networks import NetworkManager
from minidocker.dockerd.networks.manager import instance_tag
from minidocker.dockerd.networks.nat import Chains
from minidocker.errors import Conflict, InvalidArgument, NotFound
from minidocker.linux import netns

pytestmark = pytest.mark.root

CID1, CID2, CID3 = ("a" * 64, "b" * 64, "c" * 64)


def links() -> str:
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout


def iptables_lines(base: str) -> list[str]:
    out = subprocess.run(["iptables-save"], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if base in line]


def sweep(mgr: NetworkManager) -> None:
    """Belt and braces after cleanup_instance(): whatever it missed must not outlive the test."""
    netns_dir = mgr.netns_dir  # fixed when the manager was made: never the system root's
    for path in netns_dir.glob("*") if netns_dir.is_dir() else []:
        netns.remove(path)
    for ep in mgr.store.endpoints():
        if ep.get("HostIf"):
            subprocess.run(["ip", "link", "del", ep["HostIf"]], capture_output=True)
    for record in mgr.store.networks():
        if record.get("Bridge"):
            subprocess.run(["ip", "link", "del", record["Bridge"]], capture_output=True)
    Chains(mgr.tag).remove()


@pytest.fixture
def mgr(md_root: Path):
    manager = NetworkManager(paths.state_dir() / "network")
    yield manager
    try:
        manager.cleanup_instance()
    finally:
        sweep(manager)


def ns_run(path: str, *argv: str, timeout: float = 10) -> subprocess.CompletedProcess:
    return subprocess.run(["nsenter", f"--net={path}", *argv], capture_output=True, text=True, timeout=timeout)


def serve_once(ns_path: str, port: int, token: bytes) -> threading.Thread:
    """A TCP server inside the sandbox: the socket is created (bound, listening) in the namespace before we return."""
    srv = netns.run_in(ns_path, lambda: socket.create_server(("0.0.0.0", port)))
    srv.settimeout(10)

    def answer() -> None:
        with srv:
            conn, _ = srv.accept()
            with conn:
                conn.sendall(token)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return thread


def fetch(host: str, port: int) -> bytes:
    with socket.create_connection((host, port), timeout=5) as conn:
        return conn.recv(100)


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


def test_restarting_a_container_reuses_its_veth_name_safely(mgr):
    first = mgr.connect(CID1)
    mgr.disconnect(CID1)
    again = mgr.connect(CID1)  # same container id, same veth name: waits for the old one to go
    assert ns_run(again["SandboxKey"], "busybox", "ping", "-c", "1", "-W", "3", again["Gateway"]).returncode == 0
    assert again["IPAddress"] != "" and first["Gateway"] == again["Gateway"]


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
