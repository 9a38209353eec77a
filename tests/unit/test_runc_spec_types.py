"""Typed loading of config.json (minidocker.oci.runtime) and the default spec of `minirunc spec`."""

from __future__ import annotations

import copy
import json

import pytest

from minidocker.errors import InvalidArgument, Unsupported
from minidocker.oci import runtime
from minidocker.oci.defaults import default_spec
from minidocker.runc import spec as runc_spec


@pytest.fixture
def example() -> dict:
    return runc_spec.example("rootfs")


def test_example_loads_typed(example: dict) -> None:
    s = runtime.Spec(example)
    assert s.process.args == ["sh"] and s.process.terminal is True
    assert s.process.capabilities.bounding == ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    assert [m.destination for m in s.mounts][:2] == ["/proc", "/dev"]
    assert s.linux.namespace("pid").path == "" and s.linux.namespace("cgroup") is None
    assert s.root.readonly and s.hostname == "runc"


def test_docker_default_spec_is_accepted() -> None:
    """Docker-generated specs carry devices rules, oomScoreAdj, cgroupsPath: none of them may be refused."""
    s = runtime.Spec(default_spec("abc", ["sh"]))
    assert s.linux.cgroups_path and s.linux.resources.devices[0].allow is False


@pytest.mark.parametrize("path, value, field", [
    (("linux", "intelRdt"), {"closID": "x"}, "linux.intelRdt"),
])
def test_unsupported_fields_are_named(example: dict, path: tuple, value: object, field: str) -> None:
    doc = copy.deepcopy(example)
    target = doc
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    with pytest.raises(Unsupported, match=field.replace(".", r"\.")):
        runtime.Spec(doc)


def test_unknown_properties_are_ignored_and_named(example: dict) -> None:
    """runtime-spec config.md, Extensibility: runtimes MUST ignore unknown properties (at any depth)."""
    example["org.example.x"] = {"anything": [1]}
    example["process"]["selinuxFoo"] = "x"
    example["linux"]["resources"]["org.example.limit"] = 5
    example["mounts"][0]["org.example.flag"] = True
    s = runtime.Spec(example)
    assert s.ignored == ["org.example.x", "process.selinuxFoo", "mounts[0].org.example.flag",
                         "linux.resources.org.example.limit"]
    assert runtime.Spec(runc_spec.example()).ignored == []  # one document's findings do not leak into the next


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["linux"].update(rootfsPropagation="sideways"), "linux.rootfsPropagation"),
    (lambda d: d["process"]["rlimits"][0].update(type="RLIMIT_BOGUS"), "process.rlimits[0].type"),
    (lambda d: d["linux"]["resources"]["devices"][0].update(access="rwx"), "linux.resources.devices[0]"),
    (lambda d: d["linux"]["namespaces"][0].update(type="bogus"), "linux.namespaces[0].type"),
])
def test_unknown_values_of_known_fields_are_refused(example: dict, mutate, field: str) -> None:
    mutate(example)
    with pytest.raises(InvalidArgument, match=field.replace(".", r"\.").replace("[", r"\[")):
        runtime.Spec(example)


def test_empty_values_docker_writes_are_accepted(example: dict) -> None:
    example["linux"]["resources"]["blockIO"] = {}
    example["linux"]["resources"]["hugepageLimits"] = []
    assert runtime.Spec(example).linux.resources.pids is None


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["process"].update(args="sh"), "process.args"),
    (lambda d: d["process"].update(args=[]), "process.args"),
    (lambda d: d["process"]["user"].update(uid="0"), "process.user.uid"),
    (lambda d: d["process"].update(cwd="relative"), "process.cwd"),
    (lambda d: d["mounts"][0].update(destination="proc"), "mounts[0].destination"),
    (lambda d: d["linux"]["namespaces"].append({"type": "pid"}), "twice"),
    (lambda d: d["linux"]["namespaces"][0].update(type="bogus"), "linux.namespaces[0].type"),
    (lambda d: d["process"]["capabilities"]["bounding"].append("CAP_BOGUS"), "CAP_BOGUS"),
    (lambda d: d.update(ociVersion="2.0.0"), "ociVersion"),
    (lambda d: d["root"].pop("path"), "root.path"),
])
def test_malformed_values_are_named(example: dict, mutate, field: str) -> None:
    mutate(example)
    with pytest.raises(InvalidArgument, match=field.replace(".", r"\.").replace("[", r"\[")):
        runtime.Spec(example)


def test_without_a_mount_namespace_nothing_may_be_mounted(example: dict) -> None:
    """The runtime's mount namespace is inherited: mounts would land on the host and are refused by name."""
    example["linux"]["namespaces"] = [n for n in example["linux"]["namespaces"] if n["type"] != "mount"]
    with pytest.raises(InvalidArgument, match="mounts needs a mount namespace"):
        runtime.Spec(example)
    example["mounts"] = []
    with pytest.raises(InvalidArgument, match="linux.maskedPaths needs a mount namespace"):
        runtime.Spec(example)
    example["linux"]["maskedPaths"] = example["linux"]["readonlyPaths"] = []
    example["root"]["readonly"] = False
    assert runtime.Spec(example).linux.namespace("mount") is None
    example["linux"]["namespaces"] = []
    example.pop("hostname")
    assert runtime.Spec(example).linux.namespaces == []  # every namespace inherited from the runtime


def test_user_namespace_mappings(example: dict) -> None:
    example["linux"]["namespaces"].append({"type": "user"})
    with pytest.raises(InvalidArgument, match="needs linux.uidMappings and linux.gidMappings"):
        runtime.Spec(example)
    example["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    example["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 0}]
    with pytest.raises(InvalidArgument, match=r"linux\.gidMappings\[0\]\.size must be a uint32 above 0"):
        runtime.Spec(example)
    example["linux"]["gidMappings"][0]["size"] = 65536
    s = runtime.Spec(example)
    assert [m.line() for m in s.linux.uid_mappings] == ["0 100000 65536"]
    example["linux"]["namespaces"][-1]["path"] = "/proc/1/ns/user"  # joined: the maps (runc 1.1 wants them) stay unwritten
    assert runtime.Spec(example).linux.namespace("user").path == "/proc/1/ns/user"
    example["linux"]["namespaces"].pop()
    with pytest.raises(InvalidArgument, match="mappings specified, but no user namespace"):
        runtime.Spec(example)


def test_load_reports_missing_and_bad_json(tmp_path) -> None:
    with pytest.raises(InvalidArgument, match="not found"):
        runtime.load(str(tmp_path / "config.json"))
    (tmp_path / "config.json").write_text("{")
    with pytest.raises(InvalidArgument, match="not valid JSON"):
        runtime.load(str(tmp_path / "config.json"))


def test_spec_write_refuses_to_overwrite(tmp_path) -> None:
    path = runc_spec.write(str(tmp_path))
    assert json.loads(open(path).read())["hostname"] == "runc"
    with pytest.raises(Exception, match="exists"):
        runc_spec.write(str(tmp_path))


def test_seccomp_profiles_are_validated(example: dict) -> None:
    from minidocker.runc import seccomp

    good = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
                          "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}
    seccomp.validate(good)
    seccomp.compile_filter(good).release()  # libseccomp accepts it
    with pytest.raises(Unsupported, match="SCMP_ACT_NOTIFY"):
        seccomp.validate({**good, "defaultAction": "SCMP_ACT_NOTIFY"})
    with pytest.raises(InvalidArgument, match="SCMP_CMP_BOGUS"):
        seccomp.validate({**good, "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
                                                "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_BOGUS"}]}]})


def test_loading_a_filter_never_sets_no_new_privs() -> None:
    """libseccomp's SCMP_FLTATR_CTL_NNP defaults to on; minirunc turns it off as runc does."""
    from minidocker.runc import seccomp

    filt = seccomp.compile_filter({"defaultAction": "SCMP_ACT_ALLOW"})
    try:
        assert filt.sets_no_new_privs() is False
    finally:
        filt.release()


def test_user_namespace_maps_as_root_and_through_newuidmap(example: dict) -> None:
    """Root writes /proc/PID/{uid,gid}_map in one write each; any other caller goes through the setuid
    helpers of Debian's uidmap, which check /etc/subuid and /etc/subgid."""
    from minidocker.runc import userns

    example["linux"]["namespaces"].append({"type": "user"})
    example["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1},
                                       {"containerID": 1, "hostID": 100000, "size": 65536}]
    example["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    spec = runtime.Spec(example)
    assert userns.map_commands(42, spec, 0) == [("/proc/42/uid_map", "0 1000 1\n1 100000 65536\n"),
                                                ("/proc/42/gid_map", "0 1000 1\n")]
    assert userns.map_commands(42, spec, 1000) == [("newuidmap", ["42", "0", "1000", "1", "1", "100000", "65536"]),
                                                   ("newgidmap", ["42", "0", "1000", "1"])]


def test_time_offsets(example: dict) -> None:
    example["linux"]["timeOffsets"] = {"boottime": {"secs": 86400}, "monotonic": {"secs": -5, "nanosecs": 7}}
    with pytest.raises(InvalidArgument, match="timeOffsets needs a new time namespace"):
        runtime.Spec(example)
    example["linux"]["namespaces"].append({"type": "time"})
    assert runtime.Spec(example).linux.time_offsets == [("boottime", 86400, 0), ("monotonic", -5, 7)]
    example["linux"]["timeOffsets"]["realtime"] = {"secs": 1}
    with pytest.raises(InvalidArgument, match="linux.timeOffsets.realtime: a time namespace offsets only"):
        runtime.Spec(example)


def test_personality(example: dict) -> None:
    example["linux"]["personality"] = {"domain": "LINUX32"}
    assert runtime.Spec(example).linux.personality == "LINUX32"
    example["linux"]["personality"] = {"domain": "PER_BSD"}
    with pytest.raises(InvalidArgument, match="linux.personality.domain: unknown execution domain 'PER_BSD'"):
        runtime.Spec(example)
    example["linux"]["personality"] = {"domain": "LINUX", "flags": ["ADDR_NO_RANDOMIZE"]}
    with pytest.raises(InvalidArgument, match="linux.personality.flags"):
        runtime.Spec(example)


def test_seccomp_flags_become_filter_attributes() -> None:
    from minidocker.linux import seccomp as sc
    from minidocker.runc import seccomp

    profile = {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC"]}
    seccomp.validate(profile)
    filt = seccomp.compile_filter(profile)
    try:
        assert (filt.attribute(sc.FLTATR_CTL_LOG), filt.attribute(sc.FLTATR_CTL_SSB)) == (1, 0)
    finally:
        filt.release()
    with pytest.raises(InvalidArgument, match="SECCOMP_FILTER_FLAG_BOGUS"):
        seccomp.validate({**profile, "flags": ["SECCOMP_FILTER_FLAG_BOGUS"]})
