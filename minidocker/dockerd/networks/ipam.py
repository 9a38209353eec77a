"""Address management: a free subnet for each bridge, one address per container (cf. libnetwork ipam/allocator.go).

Subnets come from 10.99.0.0/16 cut into /24s, the first one that overlaps no address or route
on the host. Choosing it and putting it on the bridge happen under one host-wide file lock, so
engines started in parallel (tests) never pick the same one. Docker's 172.17.0.0/16 and its
172.18-31 user networks are outside the pool.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import os
from pathlib import Path
from typing import Iterable, Iterator

from ...errors import Conflict, InvalidArgument

POOL = ipaddress.ip_network("10.99.0.0/16")
PREFIX = 24
LOCK_PATHS = (Path("/run/lock/minidocker-subnets.lock"), Path("/tmp/minidocker-subnets.lock"))


@contextlib.contextmanager
def host_lock() -> Iterator[None]:
    """An exclusive lock shared by every engine instance on this host (flock; released if we die).
    A rootless engine has a network namespace of its own: its lock is its own, in its run directory."""
    from ... import paths

    for path in (paths.run_dir() / "subnets.lock",) if paths.rootless() else LOCK_PATHS:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            break
        except OSError:
            continue
    else:
        raise OSError("no writable lock directory for subnet allocation")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def host_networks() -> list[ipaddress.IPv4Network]:
    """Every IPv4 prefix in use on the host: interface addresses and routes of the main table."""
    from .netlink import IPRoute

    used: list[ipaddress.IPv4Network] = []
    with IPRoute() as ipr:
        for addr in ipr.get_addr(family=2):
            used.append(ipaddress.ip_network(f"{addr.get_attr('IFA_ADDRESS')}/{addr['prefixlen']}", strict=False))
        for rt in ipr.get_routes(family=2, table=254):
            dst = rt.get_attr("RTA_DST")
            if dst:  # the default route (no RTA_DST) overlaps everything and is not a conflict
                used.append(ipaddress.ip_network(f"{dst}/{rt['dst_len']}", strict=False))
    return used


def free_subnet(taken: Iterable[ipaddress.IPv4Network], pool: ipaddress.IPv4Network = POOL) -> ipaddress.IPv4Network:
    """The first /24 of the pool overlapping nothing in `taken`."""
    taken = list(taken)
    for candidate in pool.subnets(new_prefix=PREFIX):
        if not any(candidate.overlaps(t) for t in taken):
            return candidate
    raise Conflict(f"could not find an available, non-overlapping IPv4 address pool among the defaults ({pool})")


def gateway_of(subnet: ipaddress.IPv4Network) -> ipaddress.IPv4Address:
    """The bridge's own address: .1, as Docker's."""
    return subnet.network_address + 1


class Allocator:
    """Addresses of one subnet: .1 is the gateway, network and broadcast are never handed out."""

    def __init__(self, subnet: str, in_use: Iterable[str] = (), gateway: str = "") -> None:
        self.subnet = ipaddress.ip_network(subnet)
        self.gateway = ipaddress.ip_address(gateway) if gateway else gateway_of(self.subnet)
        self.in_use: set[ipaddress.IPv4Address] = {ipaddress.ip_address(a) for a in in_use}

    def allocate(self) -> str:
        for host in self.subnet.hosts():
            if host != self.gateway and host not in self.in_use:
                self.in_use.add(host)
                return str(host)
        raise Conflict(f"no available IPv4 addresses on this network's address pools: {self.subnet}")

    def take(self, address: str) -> str:
        """A user-chosen address (--ip): inside the subnet, not the gateway's, not in use (libnetwork's words)."""
        try:
            wanted = ipaddress.ip_address(address)
        except ValueError:
            raise InvalidArgument(f"invalid IPv4 address: {address}") from None
        if wanted not in self.subnet or wanted in (self.subnet.network_address, self.subnet.broadcast_address):
            raise InvalidArgument(f"no configured subnet or ip-range contain the IP address {address}")
        if wanted == self.gateway or wanted in self.in_use:
            raise Conflict("Address already in use")
        self.in_use.add(wanted)
        return str(wanted)

    def release(self, address: str) -> None:
        self.in_use.discard(ipaddress.ip_address(address))
