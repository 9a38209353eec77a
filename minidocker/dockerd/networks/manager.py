"""NetworkManager: connects containers to networks and undoes it exactly (cf. moby daemon/container_operations.go, libnetwork sandbox.go).

Lifecycle of one container's endpoint:
    connect()     reserve host ports, pick an address, WRITE THE ENDPOINT RECORD, then make the kernel
                  objects (netns file, veth, DNAT rules). The record comes first so that whatever a
                  crash leaves half-made is named on disk and disconnect() can remove it.
    (container runs; dockerd may restart: restore() re-reads records, re-reserves ports)
    disconnect()  undo in reverse, each step tolerant of a missing object, then drop the record.
See the package docstring for the API.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import threading
from pathlib import Path
from typing import Any

from ... import paths
from ...errors import Conflict, InvalidArgument, MinidockerError, NotFound, Unsupported
from ...linux import netns
from . import ports as portlib
from . import bridge, hostfwd, orphans, sandbox
from .admin import NetworkAdmin
from .catalog import Catalog, new_id
from .ipam import Allocator
from .settings import network_settings, stopped_settings
from .store import Store

log = logging.getLogger(__name__)

DEFAULT_MODES = ("", "default", "bridge")
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


class Forbidden(MinidockerError):
    """A second endpoint of one container on one network (Docker answers 403 Forbidden)."""

    status = 403


def instance_tag() -> str:
    """"" for the system root, else the 8 hex of paths.instance_name() ("minidocker-1a2b3c4d")."""
    name = paths.instance_name()
    return name.split("-", 1)[1] if "-" in name else ""


def check_id(container_id: str) -> None:
    """Container ids name files (endpoint records, netns files): no path tricks."""
    if not ID_RE.fullmatch(container_id or ""):
        raise InvalidArgument(f"invalid container id {container_id!r}")


class NetworkManager(NetworkAdmin):
    """Every network resource of one engine instance. Thread-safe: one lock serialises the records (and the
    bridges, chains and addresses they share); the kernel objects of one container (its namespace, veth pair
    and port rules) are made and removed outside it, each container's by one thread at a time (dockerd
    holds that container's lock)."""

    def __init__(self, state_dir: Path) -> None:
        self.store = Store(Path(state_dir))
        self.tag = instance_tag()
        self.netns_dir = paths.run_dir() / "netns"
        self.catalog = Catalog(self.store, self.tag)
        self._lock = threading.RLock()
        self._held: dict[str, list[socket.socket]] = {}  # container id -> bound host-port sockets
        self._realized: set[str] = set()  # network ids whose bridge/rules were checked this run
        self._allocators: dict[str, Allocator] = {}  # network id -> addresses in use
        self._ipam_lock = threading.Lock()  # allocators only: background unplugs take it, never _lock
        self._unplugging: dict[str, tuple[threading.Thread, str, str]] = {}  # host veth -> (thread, net id, ip)

    # queries -------------------------------------------------------------------------------------
    def settings(self, container_id: str) -> dict[str, Any] | None:
        ep = self.store.endpoint(container_id)
        return network_settings(ep, self.store.attachments(container_id)) if ep else None

    @staticmethod
    def stopped_settings(network_name: str = "bridge") -> dict[str, Any]:
        return stopped_settings(network_name)

    def endpoints(self) -> list[dict]:
        return self.store.endpoints()

    # connect -------------------------------------------------------------------------------------
    def connect(self, container_id: str, mode: str = "bridge", port_bindings: dict | None = None,
                hostname: str = "", exposed_ports: dict | None = None, publish_all: bool = False,
                aliases: list[str] | None = None, ipv4: str = "", mac: str = "") -> dict[str, Any]:
        """Give the container its network (see the package docstring); returns its NetworkSettings.
        On a bridge network: `aliases` (network-scoped names for the embedded DNS), `ipv4` (--ip, only
        on a network with a user-chosen subnet), `mac` (--mac-address)."""
        check_id(container_id)
        with self._lock:
            planned = self._plan(container_id, mode, port_bindings, hostname, exposed_ports, publish_all,
                                 aliases, ipv4, mac)
        if isinstance(planned, dict):
            return planned
        # The kernel's side (a namespace, a veth pair, DNAT rules) is this container's alone: made outside the
        # lock, so that 50 containers starting at once do not queue behind each other's namespaces (the
        # record, saved under the lock, already names what is being made). dockerd holds the container's
        # own lock, so no disconnect of it runs meanwhile.
        ep, build = planned
        return self._make(ep, build)

    def _plan(self, container_id: str, mode: str, port_bindings: dict | None, hostname: str,
              exposed_ports: dict | None, publish_all: bool, aliases: list[str] | None, ipv4: str,
              mac: str) -> dict[str, Any] | tuple[dict, Any]:
        """Under the lock: the endpoint's record, saved, and what remains to build; or the settings when
        there is nothing to build."""
        existing = self.store.endpoint(container_id)
        if existing and self._intact(existing):
            return network_settings(existing)
        if existing:  # half-made by a crash (record written, kernel objects not all there)
            self._teardown(existing)
            self._settle()
        ep: dict[str, Any] = {"ContainerID": container_id, "Hostname": hostname,
                              "ExposedPorts": dict(exposed_ports or {}),
                              "SandboxID": new_id(), "EndpointID": new_id(), "SandboxKey": ""}
        mode = mode or "default"
        if mode == "host":
            record = self.catalog.find("host")
            ep.update(Mode="host", NetworkName="host", NetworkID=record["Id"])
            self.store.save_endpoint(ep)
            return network_settings(ep)
        if mode.startswith("container:"):
            return self._join(ep, mode.split(":", 1)[1])
        if mode == "none":
            record = self.catalog.find("none")
            ep.update(Mode="none", NetworkName="none", NetworkID=record["Id"],
                      SandboxKey=str(self.netns_dir / container_id))
            self.store.save_endpoint(ep)
            return ep, lambda: sandbox.create_namespace(Path(ep["SandboxKey"]))
        record = self.catalog.find("bridge" if mode in DEFAULT_MODES else mode)
        if record["Driver"] != "bridge":
            raise InvalidArgument(f"network {record['Name']} cannot be used as a container's network mode")
        ep.update(Aliases=list(aliases) if aliases else None, IPAMConfig={"IPv4Address": ipv4} if ipv4 else None,
                  WantedMac=mac)
        return self._connect_bridge(ep, record, port_bindings, exposed_ports, publish_all)

    @staticmethod
    def _intact(ep: dict) -> bool:
        mode = ep.get("Mode")
        if mode in ("bridge", "none", "container") and not netns.is_pinned(ep.get("SandboxKey", "")):
            return False
        return mode != "bridge" or bridge.exists(ep.get("HostIf", ""))

    def _join(self, ep: dict, other_ref: str) -> dict[str, Any]:
        """--network container:<id>: share that container's sandbox (dockerd resolves names to ids)."""
        valid = bool(ID_RE.fullmatch(other_ref))
        other = self.store.endpoint(other_ref) if valid else None
        if other is None and valid:
            hits = [e for e in self.store.endpoints() if e["ContainerID"].startswith(other_ref)]
            other = hits[0] if len(hits) == 1 else None
        other_id = other["ContainerID"] if other else other_ref
        if other and other.get("Mode") == "container":  # joining a joiner joins its sandbox's owner
            other = self.store.endpoint(other.get("JoinedTo", ""))
        if not other or not other.get("SandboxKey"):
            raise NotFound(f"cannot join network of a non running container: {other_id}")
        ep.update(Mode="container", JoinedTo=other["ContainerID"], NetworkName="", NetworkID="",
                  SandboxKey=other["SandboxKey"])
        self.store.save_endpoint(ep)
        return network_settings(ep)

    def _connect_bridge(self, ep: dict, record: dict, port_bindings: dict | None,
                        exposed_ports: dict | None, publish_all: bool) -> tuple[dict, Any]:
        wanted = portlib.normalize(port_bindings, exposed_ports, publish_all)  # validate before any change
        self._realize(record)
        address = self._address(record, (ep.get("IPAMConfig") or {}).get("IPv4Address", ""))
        held: list[socket.socket] = []
        try:
            for port in wanted:
                sock = portlib.reserve(port["HostIp"], port["HostPort"], port["Proto"])
                held.append(sock)
                port["HostPort"] = sock.getsockname()[1]
                port["ContainerIp"] = address
                port["Comment"] = f"{self.tag or 'minidocker'} {ep['ContainerID'][:12]}"
        except BaseException:
            for sock in held:
                sock.close()
            with self._ipam_lock:
                self._allocator(record).release(address)
            raise
        self._held[ep["ContainerID"]] = held
        prefixlen = ipaddress.ip_network(record["Subnet"]).prefixlen
        ep.update(Mode="bridge", NetworkName=record["Name"], NetworkID=record["Id"], Bridge=record["Bridge"],
                  IPAddress=address, IPPrefixLen=prefixlen, Gateway=record["Gateway"],
                  MacAddress=ep.pop("WantedMac", "") or sandbox.mac_for(address),
                  HostIf=sandbox.veth_name(self.tag, ep["ContainerID"]),
                  SandboxKey=str(self.netns_dir / ep["ContainerID"]), Ports=wanted)
        self.store.save_endpoint(ep)

        def build() -> None:
            ns_path = Path(ep["SandboxKey"])
            sandbox.create_namespace(ns_path, lo_up=False)  # plug() brings lo up with eth0
            self._settle(ep["HostIf"])  # the same container restarted: its old veth must be gone first
            sandbox.plug(ns_path, ep["HostIf"], ep["Bridge"], address, prefixlen, ep["Gateway"], mac=ep["MacAddress"])
            self.catalog.chains.add_ports(ep["Bridge"], wanted)
            for port in wanted:  # rootless: from the host into the engine's namespace
                forward = hostfwd.add(port)
                if forward is not None:
                    port["HostFwd"] = forward
                    self.store.save_endpoint(ep)

        return ep, build

    def _address(self, record: dict, wanted: str) -> str:
        """The next free address, or the one the user asked for (only where the user chose the subnet)."""
        if wanted and not record.get("UserSubnet"):
            raise InvalidArgument("user specified IP address is supported only when connecting to networks "
                                  "with user configured subnets")
        with self._ipam_lock:
            alloc = self._allocator(record)
            return alloc.take(wanted) if wanted else alloc.allocate()

    def _make(self, ep: dict, build) -> dict[str, Any]:
        """Run the kernel-side steps; on any failure undo everything already recorded."""
        try:
            build()
        except BaseException:
            self._teardown(ep)
            raise
        return network_settings(ep)

    def _realize(self, record: dict) -> None:
        # Checked on every connect (one netlink query): a bridge deleted behind our back is re-made.
        if record["Id"] not in self._realized or not bridge.exists(record["Bridge"]):
            self.catalog.realize(record)
            self._realized.add(record["Id"])

    def _allocator(self, record: dict) -> Allocator:
        """Caller holds _ipam_lock. Built from the endpoint records (the persisted truth) plus the
        addresses of veths still being deleted."""
        alloc = self._allocators.get(record["Id"])
        if alloc is None or str(alloc.subnet) != record["Subnet"]:
            used = [e["IPAddress"] for e in self.store.all_endpoints()
                    if e.get("NetworkID") == record["Id"] and e.get("IPAddress")]
            used += [ip for _, net, ip in self._unplugging.values() if net == record["Id"]]
            alloc = self._allocators[record["Id"]] = Allocator(record["Subnet"], used, record["Gateway"])
        return alloc

    # further networks of a running container (docker network connect / disconnect) ----------------
    def attach(self, container_id: str, network_ref: str, aliases: list[str] | None = None,
               ipv4: str = "", name: str = "") -> dict[str, Any]:
        """Plug a running container into one more bridge network: a veth to ethN in its sandbox, an
        address, no default route (the first network keeps it). Returns its NetworkSettings."""
        check_id(container_id)
        with self._lock:
            ep = self.store.endpoint(container_id)
            if ep is None or ep.get("Mode") not in ("bridge", "none"):
                raise Conflict("container sharing network namespace with another container or host cannot be "
                               "connected to any other network")
            record = self.catalog.find(network_ref)
            if record["Driver"] != "bridge":
                raise Conflict(f"container cannot be disconnected from host network or connected to host network"
                               if record["Driver"] == "host" else
                               f"container cannot be connected to network {record['Name']}")
            others = self.store.attachments(container_id)
            if ep.get("NetworkID") == record["Id"] or any(a["NetworkID"] == record["Id"] for a in others):
                raise Forbidden(f"endpoint with name {name or container_id[:12]} already exists in network {record['Name']}")
            self._realize(record)
            address = self._address(record, ipv4)
            taken = {a.get("Ifname") for a in others} | ({"eth0"} if ep.get("Mode") == "bridge" else set())
            ifname = next(f"eth{n}" for n in range(0, 64) if f"eth{n}" not in taken)
            att = {"ContainerID": container_id, "NetworkID": record["Id"], "NetworkName": record["Name"],
                   "Bridge": record["Bridge"], "EndpointID": new_id(), "IPAddress": address,
                   "IPPrefixLen": ipaddress.ip_network(record["Subnet"]).prefixlen, "Gateway": record["Gateway"],
                   "MacAddress": sandbox.mac_for(address), "Ifname": ifname,
                   "HostIf": sandbox.veth_name(self.tag, f"{container_id}/{record['Id']}"),
                   "Aliases": list(aliases) if aliases else None,
                   "IPAMConfig": {"IPv4Address": ipv4} if ipv4 else None}
            self.store.save_attachment(att)
            try:
                self._settle(att["HostIf"])
                # the first bridge network of a --network none container brings the default route
                sandbox.plug(Path(ep["SandboxKey"]), att["HostIf"], att["Bridge"], address, att["IPPrefixLen"],
                             att["Gateway"], ifname=ifname, default_route=ep.get("Mode") == "none" and not others)
            except BaseException:
                self._detach(att)
                raise
            return network_settings(ep, self.store.attachments(container_id))

    def detach(self, container_id: str, network_ref: str) -> None:
        """Unplug a network attached with attach(); NotFound when the container is not on it."""
        check_id(container_id)
        with self._lock:
            record = self.catalog.find(network_ref)
            for att in self.store.attachments(container_id):
                if att["NetworkID"] == record["Id"]:
                    self._detach(att)
                    return
            ep = self.store.endpoint(container_id)
            if ep is not None and ep.get("NetworkID") == record["Id"]:
                raise Unsupported(f"disconnecting a running container from its first network ({record['Name']}) "
                                  "is not supported by minidocker: stop it first")
            raise NotFound(f"container {container_id} is not connected to network {record['Name']}")

    def _detach(self, att: dict) -> None:
        self.store.drop_attachment(att)
        self._unplug_later(att)

    # disconnect ----------------------------------------------------------------------------------
    def disconnect(self, container_id: str) -> None:
        """Undo connect(); safe to call twice, for unknown ids, and on half-made endpoints."""
        check_id(container_id)
        with self._lock:
            ep = self.store.endpoint(container_id)
            if ep is None:
                stray = self.netns_dir / container_id
                if stray.exists():
                    netns.remove(stray)
                return
        self._teardown(ep)  # this container's objects alone, outside the lock (see connect)

    def _teardown(self, ep: dict) -> None:
        cid = ep["ContainerID"]
        for att in self.store.attachments(cid):
            self._detach(att)
        for sock in self._held.pop(cid, []):
            sock.close()
        for port in ep.get("Ports") or []:
            if "HostFwd" in port:
                hostfwd.remove(port["HostFwd"])
        if ep.get("Mode") == "bridge":
            self.catalog.chains.remove_ports(ep["Bridge"], [p for p in ep.get("Ports") or [] if "ContainerIp" in p])
        if ep.get("Mode") in ("bridge", "none") and ep.get("SandboxKey"):
            netns.remove(ep["SandboxKey"])
        if ep.get("Mode") == "bridge":
            self._unplug_later(ep)
        self.store.drop_endpoint(cid)

    def _unplug_later(self, ep: dict) -> None:
        """Delete the veth on a thread: the kernel waits an RCU grace period (~25 ms) to delete a
        link, which `docker run --rm` would otherwise wait for. The address is released only once
        the veth is gone, so no new container can meet its old holder on the bridge."""
        host_if, network_id, address = ep["HostIf"], ep["NetworkID"], ep["IPAddress"]
        self._settle(host_if)

        def work() -> None:
            try:
                sandbox.unplug(host_if)
            except Exception as err:  # noqa: BLE001 - logged; the address is still released
                log.warning("network: deleting %s: %s", host_if, err)
            with self._ipam_lock:
                self._unplugging.pop(host_if, None)
                alloc = self._allocators.get(network_id)
                if alloc is not None:
                    alloc.release(address)

        thread = threading.Thread(target=work, name=f"unplug-{host_if}", daemon=True)
        with self._ipam_lock:
            self._unplugging[host_if] = (thread, network_id, address)
        thread.start()

    def _settle(self, host_if: str | None = None) -> None:
        """Wait for the background deletion of one veth (or of all)."""
        with self._ipam_lock:
            pending = [t for name, (t, _, _) in self._unplugging.items() if host_if in (None, name)]
        for thread in pending:
            thread.join()

    def wait_settled(self) -> None:
        """Block until every veth of a disconnected container is deleted (tests, shutdown)."""
        self._settle()

    # daemon restart and instance teardown -------------------------------------------------------
    def restore(self) -> None:
        """After a dockerd restart: re-make what is missing, leave what works alone.

        Endpoints whose namespace file is gone (the host rebooted, run dir wiped) are dropped.
        dockerd should then disconnect() every container it finds no longer running.
        """
        with self._lock:
            for name in orphans.sweep():
                log.info("network: removed %s, left behind by an engine root that no longer exists", name)
            for ep in self.store.endpoints():
                if ep.get("Mode") in ("bridge", "none") and not netns.is_pinned(ep.get("SandboxKey", "")):
                    log.warning("network: dropping stale endpoint of %s", ep["ContainerID"][:12])
                    self._teardown(ep)
            for att in self.store.attachments():
                if self.store.endpoint(att["ContainerID"]) is None:
                    self._detach(att)
            for record in self.catalog.all():
                if record["Driver"] == "bridge" and (record["Subnet"] or record["Name"] == "bridge"):
                    self._realize(record)
            for ep in self.store.endpoints():
                if ep.get("Mode") != "bridge":
                    continue
                held = self._held.setdefault(ep["ContainerID"], [])
                for port in ep.get("Ports") or []:
                    self.catalog.chains.add_port(ep["Bridge"], port)  # no-op when present
                    try:
                        held.append(portlib.reserve(port["HostIp"], port["HostPort"], port["Proto"]))
                    except Exception as err:  # someone took it while we were down: traffic still flows (DNAT)
                        log.warning("network: cannot re-reserve %s: %s", port["HostPort"], err)

    def cleanup_instance(self) -> None:
        """Remove every endpoint, bridge and iptables rule of this instance (tests call it at teardown)."""
        with self._lock:
            for ep in self.store.endpoints():
                try:
                    self._teardown(ep)
                except Exception as err:
                    log.warning("network: teardown of %s: %s", ep["ContainerID"][:12], err)
            for att in self.store.attachments():
                self._detach(att)
            self._settle()
            for record in self.catalog.all():
                self.catalog.unrealize(record)
            self.catalog.chains.remove()
            self._realized.clear()
            if self.netns_dir.is_dir():
                for stray in self.netns_dir.iterdir():
                    netns.remove(stray)
