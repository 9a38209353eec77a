"""The networks of one engine: bridge, host and none built in, plus user-defined bridges (cf. libnetwork controller.go, network.go).

A record is created once and persisted; its kernel side (bridge, iptables rules) is (re)made by
`realize`, which restore() also calls after a reboot or a crash, without touching what exists.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import time
from typing import Any

from ...errors import Conflict, InvalidArgument, MinidockerError, NotFound, Unsupported
from ... import paths
from . import bridge, ipam, orphans
from .nat import Chains
from .store import Store

BUILTIN = ("bridge", "host", "none")


class PredefinedNetwork(MinidockerError):
    """bridge, host and none cannot be removed (Docker answers 403 Forbidden)."""

    status = 403


def new_id() -> str:
    return os.urandom(32).hex()


def now() -> str:
    """RFC 3339 with nanoseconds, UTC, as Docker's Created fields."""
    ns = time.time_ns()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 1_000_000_000)) + f".{ns % 1_000_000_000:09d}Z"


class Catalog:
    """Network records by id and name. Not thread-safe by itself: the manager holds its lock around every call."""

    def __init__(self, store: Store, tag: str) -> None:
        self.store = store
        self.tag = tag
        self.chains = Chains(tag)
        self._records: dict[str, dict] = {r["Id"]: r for r in store.networks()}

    def default_bridge_name(self) -> str:
        return f"mdbr-{self.tag}" if self.tag else "minidocker0"

    def user_bridge_name(self, network_id: str) -> str:
        return "mdn-" + hashlib.sha256(f"{self.tag}/{network_id}".encode()).hexdigest()[:11]

    # lookup ------------------------------------------------------------------------------------
    def all(self) -> list[dict]:
        self._builtins()
        return sorted(self._records.values(), key=lambda r: r["Created"])

    def find(self, ref: str) -> dict:
        """By full name, full id or unique id prefix (as Docker)."""
        self._builtins()
        for r in self._records.values():
            if r["Name"] == ref or r["Id"] == ref:
                return r
        hits = [r for r in self._records.values() if ref and r["Id"].startswith(ref)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise Conflict(f"network {ref} is ambiguous ({len(hits)} matches found based on ID prefix)")
        raise NotFound(f"network {ref} not found")

    def _builtins(self) -> None:
        names = {r["Name"] for r in self._records.values()}
        for name in BUILTIN:
            if name not in names:
                self._add(name, driver=name if name != "none" else "null", bridge_if=self.default_bridge_name() if name == "bridge" else "")

    def _add(self, name: str, driver: str, bridge_if: str, labels: dict | None = None, internal: bool = False) -> dict:
        record: dict[str, Any] = {"Name": name, "Id": new_id(), "Created": now(), "Driver": driver,
                                  "Bridge": bridge_if, "Subnet": "", "Gateway": "", "Labels": labels or {},
                                  "Internal": internal}
        self.store.save_network(record)
        self._records[record["Id"]] = record
        return record

    # user-defined networks -------------------------------------------------------------------
    def create(self, name: str, driver: str = "bridge", labels: dict | None = None, internal: bool = False,
               subnet: str = "", gateway: str = "") -> dict:
        if not name:
            raise InvalidArgument("network name is required")
        if driver != "bridge":
            raise Unsupported(f"plugin \"{driver}\" not found: only the bridge driver is supported")
        self._builtins()
        if any(r["Name"] == name for r in self._records.values()):
            raise Conflict(f"network with name {name} already exists")
        record = self._add(name, "bridge", "", labels, internal)
        record["Bridge"] = self.user_bridge_name(record["Id"])
        if subnet:  # chosen by the user: kept even if it clashes later (then realize refuses)
            record.update(Subnet=subnet, Gateway=gateway, UserSubnet=True)
        self.store.save_network(record)
        return record

    def remove(self, record: dict) -> None:
        if record["Name"] in BUILTIN:
            raise PredefinedNetwork(f"{record['Name']} is a pre-defined network and cannot be removed")
        self.unrealize(record)
        self.store.drop_network(record["Id"])
        self._records.pop(record["Id"], None)

    # kernel side -------------------------------------------------------------------------------
    def realize(self, record: dict) -> None:
        """Make the bridge and rules of a bridge network exist: choose its subnet on first use."""
        with ipam.host_lock():
            missing = not bridge.exists(record["Bridge"])
            if record.get("UserSubnet") and missing and self._clashes(record["Subnet"]):
                raise Conflict(f"Pool overlaps with other one on this address space: {record['Subnet']}")
            if not record["Subnet"] or (missing and self._clashes(record["Subnet"])):
                subnet = ipam.free_subnet(ipam.host_networks())
                record["Subnet"], record["Gateway"] = str(subnet), str(ipam.gateway_of(subnet))
                self.store.save_network(record)
            prefix = ipaddress.ip_network(record["Subnet"]).prefixlen
            bridge.ensure(record["Bridge"], record["Gateway"], prefix, orphans.alias_for(self.tag, paths.root()))
        self.chains.setup([] if record.get("Internal") else [(record["Bridge"], record["Subnet"])])

    def _clashes(self, subnet: str) -> bool:
        net = ipaddress.ip_network(subnet)
        return any(net.overlaps(used) for used in ipam.host_networks())

    def unrealize(self, record: dict) -> None:
        if record["Driver"] != "bridge" or not record["Subnet"]:
            return
        self.chains.remove_network(record["Bridge"], record["Subnet"])
        bridge.delete(record["Bridge"])

