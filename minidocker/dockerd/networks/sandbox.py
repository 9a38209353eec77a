"""A container's network sandbox: its namespace file and the veth pair into a bridge (cf. libnetwork osl/namespace_linux.go).

The namespace is pinned on a file (netns.create) before the container exists, so the OCI spec
joins it by path and it outlives dockerd. A veth pair is made with its peer created directly in
that namespace as eth0, then configured from a thread that entered the namespace.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
from pathlib import Path

from .netlink import IPRoute, NetlinkError

from ...linux import netns

ENODEV = 19


def veth_name(instance: str, container_id: str) -> str:
    """The host-side name: "veth" + 11 hex, unique per (engine instance, container), ≤15 chars (IFNAMSIZ)."""
    return "veth" + hashlib.sha256(f"{instance}/{container_id}".encode()).hexdigest()[:11]


def mac_for(address: str) -> str:
    """Docker's rule: 02:42 followed by the IPv4 address's four bytes (locally administered, unique per IP)."""
    return "02:42:" + ":".join(f"{int(b):02x}" for b in address.split("."))


def create_namespace(path: Path, lo_up: bool = True) -> None:
    """Pin a fresh network namespace at `path` with only lo, brought up (what --network none gives);
    `lo_up=False` leaves that to plug(), which enters the namespace anyway (one thread fewer per container).

    A file already there is a leftover of a crash (no endpoint record names it any more): unpinned first."""
    if os.path.lexists(path):
        netns.remove(path)
    netns.create(path)
    if not lo_up:
        return
    try:
        netns.run_in(path, _lo_up)
    except BaseException:
        netns.remove(path)
        raise


def _lo_up() -> None:
    with IPRoute() as ipr:
        ipr.link("set", index=ipr.link_lookup(ifname="lo")[0], state="up")


def remove_namespace(path: Path) -> None:
    netns.remove(path)


def plug(ns_path: Path, host_if: str, bridge: str, address: str, prefixlen: int, gateway: str,
         ifname: str = "eth0", mac: str = "", default_route: bool = True) -> str:
    """Create the veth pair host_if <-> ifname (in the namespace), attach host_if to the bridge, address
    ifname; the default route goes through the first network's gateway only (a later network adds its
    subnet's route alone, as libnetwork's non-gateway endpoints).

    Returns the MAC address. On failure nothing is left behind (deleting one end deletes both).
    """
    mac = mac or mac_for(address)
    fd = os.open(ns_path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        with IPRoute() as ipr:
            master = ipr.link_lookup(ifname=bridge)
            if not master:
                raise OSError(ENODEV, f"bridge {bridge} does not exist")
            ipr.link("add", ifname=host_if, kind="veth", peer={"ifname": ifname, "address": mac, "net_ns_fd": fd})
            try:
                index = ipr.link_lookup(ifname=host_if)[0]
                ipr.link("set", index=index, master=master[0], state="up")
                # hairpin: with br_netfilter a DNAT back to the sender is bridged out of the port it
                # came in by, which a bridge refuses unless the port allows it (Docker does the same)
                Path(f"/sys/class/net/{host_if}/brport/hairpin_mode").write_text("1")
                netns.run_in(ns_path, lambda: _configure(ifname, address, prefixlen, gateway if default_route else ""))
            except BaseException:
                _delete_link(ipr, host_if)
                raise
    finally:
        os.close(fd)
    return mac


def _configure(ifname: str, address: str, prefixlen: int, gateway: str) -> None:
    with IPRoute() as ipr:
        ipr.link("set", index=ipr.link_lookup(ifname="lo")[0], state="up")  # idempotent (a second network)
        index = ipr.link_lookup(ifname=ifname)[0]
        # with its broadcast address, as libnetwork sets it (`ip addr` shows "brd")
        broadcast = str(ipaddress.ip_network(f"{address}/{prefixlen}", strict=False).broadcast_address)
        ipr.addr("add", index=index, address=address, prefixlen=prefixlen, broadcast=broadcast)
        ipr.link("set", index=index, state="up")
        if gateway:
            ipr.route("add", dst="0.0.0.0/0", gateway=gateway, oif=index)


def _delete_link(ipr: IPRoute, name: str) -> None:
    for index in ipr.link_lookup(ifname=name):
        try:
            ipr.link("del", index=index)
        except NetlinkError as err:
            if err.code != ENODEV:
                raise


def unplug(host_if: str) -> None:
    """Delete the host end of the pair (the kernel deletes eth0 with it); missing is fine."""
    with IPRoute() as ipr:
        _delete_link(ipr, host_if)
