"""Unit tests of the iptables rules the engine writes (dockerd/networks/nat.py) and of bridge ownership aliases."""

from __future__ import annotations

from pathlib import Path

from minidocker.dockerd.networks import orphans
from minidocker.dockerd.networks.nat import Chains

PORT = {"Proto": "tcp", "HostIp": "", "HostPort": 8080, "ContainerIp": "10.99.3.2", "ContainerPort": 80,
        "Comment": "1a2b3c4d 0123456789ab"}


def test_chain_names_carry_the_instance_and_fit_iptables():
    tagged, system = Chains("1a2b3c4d"), Chains("")
    assert (tagged.base, tagged.post, tagged.fwd) == ("MINIDOCKER-1a2b3c4d", "MINIDOCKER-1a2b3c4d-POST",
                                                      "MINIDOCKER-1a2b3c4d-FWD")
    assert system.base == "MINIDOCKER"
    assert all(len(name) <= 28 for name in (tagged.base, tagged.post, tagged.fwd))  # XT_EXTENSION_MAXNAMELEN - 1


def test_jumps_only_send_local_destinations_to_dnat():
    jumps = {(t, c): r for t, c, r in Chains("1a2b3c4d").jumps()}
    assert jumps[("nat", "PREROUTING")] == ["-m", "addrtype", "--dst-type", "LOCAL", "-j", "MINIDOCKER-1a2b3c4d"]
    assert jumps[("nat", "OUTPUT")] == jumps[("nat", "PREROUTING")]  # no "! -d 127.0.0.0/8": loopback is served
    assert jumps[("filter", "FORWARD")] == ["-j", "MINIDOCKER-1a2b3c4d-FWD"]


def test_port_rule_any_address_and_one_address():
    chains = Chains("1a2b3c4d")
    rule = chains.port_rule("mdbr-1a2b3c4d", PORT)
    assert "-d" not in rule and rule[-4:] == ["-j", "DNAT", "--to-destination", "10.99.3.2:80"]
    assert rule[rule.index("--dport") + 1] == "8080" and "-i" not in rule  # containers may use it too (hairpin)
    pinned = chains.port_rule("mdbr-1a2b3c4d", dict(PORT, HostIp="127.0.0.1"))
    assert pinned[pinned.index("-d") + 1] == "127.0.0.1/32"


def test_network_rules_masquerade_outbound_and_loopback_and_isolate_other_bridges():
    rules = Chains("1a2b3c4d").network_rules("mdbr-1a2b3c4d", "10.99.3.0/24")
    post = [r for t, c, r in rules if c.endswith("-POST")]
    assert ["-s", "10.99.3.0/24", "!", "-o", "mdbr-1a2b3c4d", "-j", "MASQUERADE"] in post
    assert ["-s", "127.0.0.0/8", "-o", "mdbr-1a2b3c4d", "-j", "MASQUERADE"] in post
    fwd = [r for t, c, r in rules if c.endswith("-FWD")]
    same = fwd.index(["-i", "mdbr-1a2b3c4d", "-o", "mdbr-1a2b3c4d", "-j", "ACCEPT"])
    drop = fwd.index(["-i", "mdbr-1a2b3c4d", "-o", "mdn-+", "-j", "DROP"])
    assert same < drop < fwd.index(["-i", "mdbr-1a2b3c4d", "-j", "ACCEPT"])  # order is the policy


def test_bridge_alias_round_trip():
    alias = orphans.alias_for("1a2b3c4d", Path("/tmp/some root"))
    assert orphans.parse_alias(alias) == ("1a2b3c4d", Path("/tmp/some root"))
    assert orphans.parse_alias(orphans.alias_for("", None)) == ("", Path("/"))
    assert orphans.parse_alias("someone else's bridge") is None


def test_packets_for_loopback_from_a_bridge_are_dropped_before_routing():
    chains = Chains("1a2b3c4d")
    jumps = {(t, c): r for t, c, r in chains.jumps()}
    assert jumps[("raw", "PREROUTING")] == ["-j", "MINIDOCKER-1a2b3c4d-RAW"]
    assert ("raw", "MINIDOCKER-1a2b3c4d-RAW") in chains.chains()  # removed with the others
    rules = chains.network_rules("mdbr-1a2b3c4d", "10.99.3.0/24")
    assert ("raw", "MINIDOCKER-1a2b3c4d-RAW", ["-i", "mdbr-1a2b3c4d", "-d", "127.0.0.0/8", "-j", "DROP"]) in rules
