"""Shared pieces of the networking integration tests: a NetworkManager per test that cleans up even on failure, and small probes.

    from networks_fixture import mgr  # noqa: F401 - the per-test fixture
"""

from __future__ import annotations

import socket
import subprocess
import threading
from pathlib import Path

import pytest

from minidocker import paths
from minidocker.dockerd.networks import NetworkManager
from minidocker.dockerd.networks.nat import Chains
from minidocker.linux import netns

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
