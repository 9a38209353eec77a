"""The Linux bridge a network's containers plug into, and the sysctls it needs (cf. libnetwork drivers/bridge/setup_device.go).

The bridge carries the gateway address (.1) so the host routes the subnet to it; route_localnet
lets packets DNATed from 127.0.0.1 leave through it (published ports reachable on loopback), and
ip_forward lets containers' traffic out through the host (Docker sets both the same way).
route_localnet alone would also let a container reach the host's loopback services (CVE-2020-8558):
nat.py drops packets for 127.0.0.0/8 that arrive from a bridge.
"""

from __future__ import annotations

from pathlib import Path

from .netlink import IPRoute, NetlinkError

ENOENT = 2
ENODEV = 19
EEXIST = 17


def write_sysctl(key: str, value: str) -> None:
    """Set /proc/sys/<key with dots as slashes>, skipping the write when already set."""
    path = Path("/proc/sys") / key.replace(".", "/")
    if path.read_text().strip() != value:
        path.write_text(value)


def exists(name: str) -> bool:
    """Does the link exist in our namespace? /sys/class/net lists it (a stat, not a netlink round trip)."""
    return bool(name) and "/" not in name and Path("/sys/class/net", name).exists()


def ensure(name: str, gateway: str, prefixlen: int, alias: str = "") -> None:
    """Create the bridge if missing, give it its gateway address, bring it up; idempotent (used by restore).

    `alias` (IFLA_IFALIAS, shown by `ip -d link`) names the owning engine root: see orphans.py."""
    with IPRoute() as ipr:
        if not ipr.link_lookup(ifname=name):
            try:
                ipr.link("add", ifname=name, kind="bridge")
            except NetlinkError as err:
                if err.code != EEXIST:
                    raise
        index = ipr.link_lookup(ifname=name)[0]
        have = {(a.get_attr("IFA_ADDRESS"), a["prefixlen"]) for a in ipr.get_addr(index=index, family=2)}
        if (gateway, prefixlen) not in have:
            ipr.addr("add", index=index, address=gateway, prefixlen=prefixlen)
        if alias:
            ipr.link("set", index=index, ifalias=alias)
        ipr.link("set", index=index, state="up")
    write_sysctl(f"net.ipv4.conf.{name}.route_localnet", "1")
    write_sysctl("net.ipv4.ip_forward", "1")


def delete(name: str) -> None:
    """Delete the bridge (its veths must be gone or are detached by the kernel); a missing bridge is fine."""
    with IPRoute() as ipr:
        for index in ipr.link_lookup(ifname=name):
            try:
                ipr.link("del", index=index)
            except NetlinkError as err:
                if err.code not in (ENODEV, ENOENT):
                    raise
