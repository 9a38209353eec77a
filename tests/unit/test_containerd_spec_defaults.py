"""Docker's default OCI spec: the 14 capabilities, masked and read-only paths, namespaces, cgroup under the instance."""

from __future__ import annotations

import json
import resource

from minidocker.oci import defaults


def test_default_spec_has_dockers_defaults():
    spec = defaults.default_spec("abcdef0123456789", ["echo", "hi"], instance="minidocker-test")
    caps = spec["process"]["capabilities"]
    assert len(caps["bounding"]) == 14 and "CAP_SYS_ADMIN" not in caps["bounding"]
    assert caps["bounding"] == caps["effective"] == caps["permitted"]
    assert "ambient" not in caps and "inheritable" not in caps
    assert "/proc/kcore" in spec["linux"]["maskedPaths"]
    assert "/proc/sys" in spec["linux"]["readonlyPaths"]
    assert {n["type"] for n in spec["linux"]["namespaces"]} == {"mount", "network", "uts", "pid", "ipc"}
    assert spec["linux"]["cgroupsPath"] == "/minidocker-test/abcdef0123456789"
    assert spec["hostname"] == "abcdef012345"
    assert [m["destination"] for m in spec["mounts"]][:3] == ["/proc", "/dev", "/dev/pts"]
    assert spec["root"] == {"path": "rootfs", "readonly": False}
    json.dumps(spec)  # plain data


def test_nofile_never_above_our_hard_limit():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    limit = defaults.default_spec("x")["process"]["rlimits"][0]
    assert limit["type"] == "RLIMIT_NOFILE"
    assert limit["hard"] <= (hard if hard != resource.RLIM_INFINITY else 1048576)


def test_specs_do_not_share_lists():
    a, b = defaults.default_spec("a"), defaults.default_spec("b")
    a["mounts"].append({"destination": "/x"})
    a["process"]["capabilities"]["bounding"].append("CAP_SYS_ADMIN")
    assert len(b["mounts"]) == len(defaults.DEFAULT_MOUNTS)
    assert len(defaults.DEFAULT_CAPABILITIES) == 14


def test_terminal_sets_term():
    assert "TERM=xterm" in defaults.default_spec("t", terminal=True)["process"]["env"]
