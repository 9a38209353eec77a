"""iptables rules of one engine instance: outbound MASQUERADE, forwarding, published-port DNAT (cf. libnetwork drivers/bridge/setup_ip_tables.go).

Every rule lives in chains named after the instance, so cleanup is exact and Docker's own DOCKER
chains are never touched; the built-in chains only get one jump each:

    nat    PREROUTING, OUTPUT  -m addrtype --dst-type LOCAL -j <base>        (DNAT of published ports)
    nat    POSTROUTING         -j <base>-POST                                  (MASQUERADE)
    filter FORWARD             -j <base>-FWD                                   (accepts, in case policy is DROP)
    raw    PREROUTING          -j <base>-RAW                                   (drops 127.0.0.0/8 from the bridges)

OUTPUT has no `! -d 127.0.0.0/8` (Docker adds it when a userland proxy serves loopback): here DNAT
itself serves 127.0.0.1, with route_localnet on the bridge and the MASQUERADE of 127.0.0.0/8 below.
route_localnet also makes the host accept, on the bridge, packets a container addressed to 127.0.0.1
(CVE-2020-8558: with CAP_NET_RAW a container reaches every service bound to the host's loopback).
So, as kube-proxy's "block incoming localnet connections" rule since that CVE, a packet for
127.0.0.0/8 arriving from a bridge is dropped in raw PREROUTING, before conntrack and routing see
it; the replies of published-port connections are unaffected (they carry the container's address).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from ... import paths
from ...errors import RuntimeFailure

IPTABLES = "iptables"
# Interface patterns of every engine bridge ("+" is iptables' prefix wildcard): see catalog.py.
OUR_BRIDGES = ("mdbr-+", "mdn-+", "minidocker0")


def run(*args: str, check: bool = True) -> bool:
    """One iptables command (-w: wait for the xtables lock rather than fail); False if it failed and check is off."""
    proc = subprocess.run([IPTABLES, "-w", *args], capture_output=True, text=True)
    if proc.returncode != 0 and check:
        raise RuntimeFailure(f"iptables {' '.join(args)}: {proc.stderr.strip()}")
    return proc.returncode == 0


def batch(table: str, rules: list[list[str]]) -> bool:
    """Apply rules atomically with iptables-restore --noflush: all or none. False if refused."""
    lines = [f"*{table}"]
    lines += [" ".join(f'"{w}"' if " " in w else w for w in rule) for rule in rules]
    lines.append("COMMIT\n")
    proc = subprocess.run([IPTABLES + "-restore", "--noflush", "-w"], input="\n".join(lines),
                          capture_output=True, text=True)
    return proc.returncode == 0


def saved_rules() -> str:
    """iptables-save of the nat and filter tables: one exec to learn what exists."""
    return subprocess.run(["iptables-save"], capture_output=True, text=True).stdout


def ensure_rule(table: str, chain: str, rule: list[str], insert: bool = False) -> None:
    """Add a rule unless an identical one exists (-C), so restore() never duplicates or disrupts."""
    if not run("-t", table, "-C", chain, *rule, check=False):
        run("-t", table, "-I" if insert else "-A", chain, *rule)


def delete_rule(table: str, chain: str, rule: list[str]) -> None:
    while run("-t", table, "-D", chain, *rule, check=False):
        pass  # duplicates, if any, all go


@dataclass(frozen=True)
class Chains:
    """The chain names of one instance: tag "" (system root) or the 8 hex of instance_name()."""

    tag: str

    @property
    def base(self) -> str:
        return f"MINIDOCKER-{self.tag}" if self.tag else "MINIDOCKER"

    @property
    def post(self) -> str:
        return self.base + "-POST"

    @property
    def fwd(self) -> str:
        return self.base + "-FWD"

    @property
    def raw(self) -> str:
        return self.base + "-RAW"

    def jumps(self) -> list[tuple[str, str, list[str]]]:
        local = ["-m", "addrtype", "--dst-type", "LOCAL"]
        return [
            ("nat", "PREROUTING", [*local, "-j", self.base]),
            ("nat", "OUTPUT", [*local, "-j", self.base]),
            ("nat", "POSTROUTING", ["-j", self.post]),
            ("filter", "FORWARD", ["-j", self.fwd]),
            ("raw", "PREROUTING", ["-j", self.raw]),
        ]

    def chains(self) -> list[tuple[str, str]]:
        return [("nat", self.base), ("nat", self.post), ("filter", self.fwd), ("raw", self.raw)]

    def setup(self, networks: list[tuple[str, str]]) -> None:
        """Chains, jumps and the rules of `networks` [(bridge, subnet)], idempotent.

        A fresh instance (none of its chains exist, so none of its rules can) gets everything in
        one iptables-restore per table; otherwise each rule is checked (-C) and added if missing,
        which costs two execs per rule but happens only after a restart or a crash."""
        saved = saved_rules()
        if not any(f":{chain} " in saved for _, chain in self.chains()):
            plan: dict[str, list[list[str]]] = {"nat": [], "filter": [], "raw": []}
            for table, chain in self.chains():
                plan[table].append([f":{chain}", "-", "[0:0]"])
            for table, chain, rule in self.jumps():
                plan[table].append(["-I", chain, *rule])
            for bridge, subnet in networks:
                for table, chain, rule in self.network_rules(bridge, subnet):
                    plan[table].append(["-A", chain, *rule])
            if all(batch(table, rules) for table, rules in plan.items()):
                return
        self.ensure()
        for bridge, subnet in networks:
            self.add_network(bridge, subnet, saved)

    def ensure(self) -> None:
        """Create the chains and their jumps (idempotent)."""
        for table, chain in self.chains():
            run("-t", table, "-N", chain, check=False)  # "Chain already exists" is fine
        for table, chain, rule in self.jumps():
            ensure_rule(table, chain, rule, insert=True)

    def remove(self) -> None:
        """Remove the jumps, then flush and delete the chains; absent pieces are fine."""
        for table, chain, rule in self.jumps():
            delete_rule(table, chain, rule)
        for table, chain in self.chains():
            run("-t", table, "-F", chain, check=False)
            run("-t", table, "-X", chain, check=False)

    # rules of one bridge network ------------------------------------------------------------
    def network_rules(self, bridge: str, subnet: str) -> list[tuple[str, str, list[str]]]:
        isolate = [("filter", self.fwd, ["-i", bridge, "-o", other, "-j", "DROP"]) for other in OUR_BRIDGES]
        return [
            # outbound: the subnet leaving by any other interface takes the host's address
            ("nat", self.post, ["-s", subnet, "!", "-o", bridge, "-j", "MASQUERADE"]),
            # published ports hit from 127.0.0.1: the container cannot answer a loopback source
            ("nat", self.post, ["-s", "127.0.0.0/8", "-o", bridge, "-j", "MASQUERADE"]),
            # hairpin: a container reaching a published port of the same network answers via the host
            ("nat", self.post, ["-s", subnet, "-d", subnet, "-o", bridge, "-m", "conntrack", "--ctstate", "DNAT",
                                "-j", "MASQUERADE"]),
            # containers of one network talk freely (bridged frames pass FORWARD under br_netfilter) ...
            ("filter", self.fwd, ["-i", bridge, "-o", bridge, "-j", "ACCEPT"]),
            # ... but never to another engine network (Docker's DOCKER-ISOLATION chains do the same)
            *isolate,
            ("filter", self.fwd, ["-i", bridge, "-j", "ACCEPT"]),
            ("filter", self.fwd, ["-o", bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED,DNAT", "-j", "ACCEPT"]),
            # martians: the host's loopback is never reachable from a container (CVE-2020-8558)
            ("raw", self.raw, ["-i", bridge, "-d", "127.0.0.0/8", "-j", "DROP"]),
        ]

    def add_network(self, bridge: str, subnet: str, saved: str | None = None) -> None:
        """The rules of one network; in one transaction when none mentions its bridge yet."""
        rules = self.network_rules(bridge, subnet)
        saved = saved_rules() if saved is None else saved
        if not any(f" {bridge} " in line and self.base in line for line in saved.splitlines()):
            by_table: dict[str, list[list[str]]] = {}
            for table, chain, rule in rules:
                by_table.setdefault(table, []).append(["-A", chain, *rule])
            if all(batch(table, lines) for table, lines in by_table.items()):
                return
        for table, chain, rule in rules:
            ensure_rule(table, chain, rule)

    def remove_network(self, bridge: str, subnet: str) -> None:
        for table, chain, rule in self.network_rules(bridge, subnet):
            delete_rule(table, chain, rule)

    # published ports ---------------------------------------------------------------------------
    def port_rule(self, bridge: str, port: dict) -> list[str]:
        """DNAT for one published port: {"Proto","HostIp","HostPort","ContainerIp","ContainerPort","Comment"}."""
        rule = ["-p", port["Proto"]]
        # A rootless engine's HostIp is the host's, held by slirp4netns (hostfwd.py): the connection reaches
        # this namespace at tap0's address, whatever HostIp, so no -d here.
        if port["HostIp"] not in ("", "0.0.0.0") and not paths.rootless():
            rule += ["-d", port["HostIp"] + "/32"]
        # from the bridge too: containers reach each other's published ports through the host
        # ("hairpin"); the MASQUERADE of DNATed subnet-to-subnet traffic below sends the replies back
        rule += ["-m", port["Proto"], "--dport", str(port["HostPort"])]
        rule += ["-m", "comment", "--comment", port["Comment"]]
        return rule + ["-j", "DNAT", "--to-destination", f"{port['ContainerIp']}:{port['ContainerPort']}"]

    def add_port(self, bridge: str, port: dict) -> None:
        """One rule, unless present (restore)."""
        ensure_rule("nat", self.base, self.port_rule(bridge, port))

    def add_ports(self, bridge: str, ports: list[dict]) -> None:
        """A new container's rules in one transaction (one iptables-restore instead of two execs per rule)."""
        if ports and not batch("nat", [["-A", self.base, *self.port_rule(bridge, p)] for p in ports]):
            for port in ports:
                self.add_port(bridge, port)

    def remove_ports(self, bridge: str, ports: list[dict]) -> None:
        """All of a container's rules in one transaction; rule by rule if some were already gone."""
        if ports and not batch("nat", [["-D", self.base, *self.port_rule(bridge, p)] for p in ports]):
            for port in ports:
                delete_rule("nat", self.base, self.port_rule(bridge, port))

    def dump(self) -> str:
        """This instance's lines of iptables-save (what tests and the course show)."""
        out = subprocess.run(["iptables-save"], capture_output=True, text=True).stdout
        # exactly our chains: the system root's MINIDOCKER must not match MINIDOCKER-1a2b3c4d
        ours = re.compile(re.escape(self.base) + r"(-POST|-FWD|-RAW)?(?![\w-])")
        return "\n".join(line for line in out.splitlines() if ours.search(line))
