"""The default seccomp profile as runtime-spec data: capability and architecture conditions resolved in dockerd."""

from __future__ import annotations

from minidocker.oci import defaults, seccomp_default as sd


def allowed(profile: dict, name: str) -> list[dict]:
    return [r for r in profile["syscalls"] if name in r["names"] and r["action"] == "SCMP_ACT_ALLOW"]


def test_default_action_is_eperm_on_all_x86_arches():
    p = sd.profile(defaults.DEFAULT_CAPABILITIES, "amd64")
    assert (p["defaultAction"], p["defaultErrnoRet"]) == ("SCMP_ACT_ERRNO", 1)
    assert p["architectures"] == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
    # only runtime-spec keys: runc must read it the same way
    for rule in p["syscalls"]:
        assert set(rule) <= {"names", "action", "errnoRet", "args"}, rule


def test_namespace_calls_need_cap_sys_admin():
    p = sd.profile(defaults.DEFAULT_CAPABILITIES, "amd64")
    for name in ("unshare", "setns", "mount", "umount2", "bpf"):
        assert not allowed(p, name), name
    (clone,) = allowed(p, "clone")
    assert clone["args"] == [{"index": 0, "value": 0x7E020000, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]
    assert [r for r in p["syscalls"] if r["names"] == ["clone3"]][0]["errnoRet"] == 38
    admin = sd.profile(defaults.DEFAULT_CAPABILITIES + ["CAP_SYS_ADMIN"], "amd64")
    assert allowed(admin, "unshare") and allowed(admin, "mount")
    (clone,) = allowed(admin, "clone")
    assert "args" not in clone
    assert not [r for r in admin["syscalls"] if "clone3" in r["names"] and r["action"] != "SCMP_ACT_ALLOW"]


def test_capability_gated_and_arch_gated_calls():
    p = sd.profile(defaults.DEFAULT_CAPABILITIES, "amd64")
    assert allowed(p, "chroot")  # CAP_SYS_CHROOT is a default capability
    assert not allowed(p, "reboot") and not allowed(p, "clock_settime") and not allowed(p, "open_by_handle_at")
    assert allowed(sd.profile(["CAP_SYS_TIME"], "amd64"), "clock_settime")
    assert not allowed(sd.profile([], "amd64"), "chroot")
    assert allowed(p, "arch_prctl") and not allowed(sd.profile([], "arm64"), "arch_prctl")
    assert sd.profile([], "s390x")["syscalls"][-2]["args"][0]["index"] == 1


def test_personality_and_socket_conditions():
    p = sd.profile([], "amd64")
    personas = sorted(r["args"][0]["value"] for r in allowed(p, "personality"))
    assert personas == [0, 8, 0x20000, 0x20008, 0xFFFFFFFF]
    (sock,) = allowed(p, "socket")
    assert sock["args"] == [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]


def test_unconfined_and_privileged_have_no_profile():
    assert sd.wanted(None, False) and sd.wanted(["no-new-privileges"], False)
    assert not sd.wanted(["seccomp=unconfined"], False)
    assert not sd.wanted(["seccomp:unconfined"], False)
    assert not sd.wanted([], True)
