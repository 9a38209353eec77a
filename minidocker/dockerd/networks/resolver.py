"""The embedded DNS server at 127.0.0.11 of containers on user-defined networks (cf. libnetwork resolver.go).

For each such container dockerd opens a UDP socket bound to 127.0.0.11:53 INSIDE the container's network
namespace (a socket belongs for life to the namespace of the thread that made it, see linux/netns.py),
and one thread serves every socket. A query for a name that dockerd knows on the networks the container
is on (a container name, a network alias, the short id) is answered from dockerd's own records; any
other name is forwarded to the host's resolvers FROM THE CONTAINER'S namespace, as Docker's resolver
does: what the container's network cannot reach (an --internal network, no NAT) it cannot ask either.
The wire format is dnspython's.
"""

from __future__ import annotations

import logging
import os
import selectors
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from ...linux import netns

log = logging.getLogger(__name__)

ADDRESS = "127.0.0.11"
TTL = 600  # libnetwork's respTTL
FORWARD_TIMEOUT = 2.0

# (querying container id, lower-case name without the final dot) -> its IPv4 addresses, [] if unknown
Lookup = Callable[[str, str], list[str]]
# (querying container id, IPv4 address) -> "name.network" or ""
Reverse = Callable[[str, str], str]


def external_servers(resolv_conf: Path = Path("/etc/resolv.conf")) -> list[str]:
    """The host's resolvers a container's queries may be forwarded to (loopback ones mean the host's own)."""
    try:
        lines = resolv_conf.read_text().splitlines()
    except OSError:
        return []
    return [w[1] for w in (line.split() for line in lines) if w[:1] == ["nameserver"] and len(w) > 1]


class Resolver:
    """One serving thread for every container's socket; sockets come and go with containers."""

    def __init__(self, lookup: Lookup, reverse: Reverse) -> None:
        self.lookup, self.reverse = lookup, reverse
        self._sel = selectors.DefaultSelector()
        self._socks: dict[str, socket.socket] = {}
        self._netns: dict[str, str] = {}  # container id -> its netns file, where forwards are sent from
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        self._sel.register(self._wake_r, selectors.EVENT_READ, None)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dns-forward")
        self._thread: threading.Thread | None = None

    def serve(self, container_id: str, netns_path: str) -> None:
        """Listen at 127.0.0.11:53 in that namespace (again: the old socket is replaced)."""
        def bind() -> socket.socket:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            sock.bind((ADDRESS, 53))
            return sock

        sock = netns.run_in(netns_path, bind)
        with self._lock:
            self._drop(container_id)
            self._socks[container_id] = sock
            self._netns[container_id] = netns_path
            self._sel.register(sock, selectors.EVENT_READ, container_id)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="dns", daemon=True)
                self._thread.start()
        os.write(self._wake_w, b"x")

    def forget(self, container_id: str) -> None:
        with self._lock:
            self._drop(container_id)

    def _drop(self, container_id: str) -> None:
        self._netns.pop(container_id, None)
        sock = self._socks.pop(container_id, None)
        if sock is not None:
            try:
                self._sel.unregister(sock)
            except (KeyError, ValueError):
                pass
            sock.close()

    def _loop(self) -> None:
        while True:
            for key, _ in self._sel.select():
                if key.data is None:
                    os.read(self._wake_r, 64)
                    continue
                try:
                    data, peer = key.fileobj.recvfrom(4096)
                except OSError:
                    continue  # closed by forget() meanwhile
                try:
                    self._answer(key.fileobj, key.data, data, peer)
                except Exception:  # noqa: BLE001 - a bad packet must never stop the server
                    log.debug("dns: cannot answer a query from %s", peer, exc_info=True)

    def _answer(self, sock: socket.socket, container_id: str, data: bytes, peer) -> None:
        import dns.flags
        import dns.message
        import dns.rcode
        import dns.rdatatype
        import dns.reversename

        query = dns.message.from_wire(data)
        if len(query.question) != 1:
            return
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.RA
        if question.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            addresses = self.lookup(container_id, name)
            if addresses:
                if question.rdtype == dns.rdatatype.A:
                    reply.answer.append(_rrset(question.name, "A", addresses))
                sock.sendto(reply.to_wire(), peer)  # a known name without IPv6: NOERROR, no AAAA
                return
        elif question.rdtype == dns.rdatatype.PTR:
            try:
                address = dns.reversename.to_address(question.name)
            except Exception:  # noqa: BLE001 - not an in-addr.arpa name: forward it
                address = ""
            target = self.reverse(container_id, address) if address else ""
            if target:
                reply.answer.append(_rrset(question.name, "PTR", [target + "."]))
                sock.sendto(reply.to_wire(), peer)
                return
        self._pool.submit(self._forward, sock, self._netns.get(container_id, ""), query, data, peer)

    def _forward(self, sock: socket.socket, netns_path: str, query, data: bytes, peer) -> None:
        """Ask the host's resolvers in turn, from the container's namespace; SERVFAIL when none answers."""
        import dns.message
        import dns.rcode

        def ask(server: str) -> bytes:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
                out.settimeout(FORWARD_TIMEOUT)
                out.sendto(data, (server, 53))
                return out.recvfrom(65535)[0]

        for server in external_servers() if netns_path else []:
            try:
                answer = netns.run_in(netns_path, lambda: ask(server))
                sock.sendto(answer, peer)
                return
            except OSError:
                continue
        reply = dns.message.make_response(query)
        reply.set_rcode(dns.rcode.SERVFAIL)
        try:
            sock.sendto(reply.to_wire(), peer)
        except OSError:
            pass  # the container is gone


def _rrset(name, kind: str, values: list[str]):
    import dns.rrset

    return dns.rrset.from_text_list(name, TTL, "IN", kind, values)
