"""`minirunc features`: what this runtime implements, as the runtime spec's features document
(cf. runc features.go, runtime-spec features.md). Generated from the tables the code itself uses."""

from __future__ import annotations


def document() -> dict:
    from ..linux.capabilities import NAMES, last_cap
    from ..linux.namespaces import BY_TYPE
    from ..linux.seccomp import OPS
    from ..oci.runtime import VERSION, Hooks
    from . import mountopts

    return {
        "ociVersionMin": "1.0.0",
        "ociVersionMax": VERSION,
        "hooks": list(Hooks.FIELDS),
        "mountOptions": sorted(set(mountopts.FLAGS) | set(mountopts.PROPAGATION)),
        "linux": {
            "namespaces": sorted(BY_TYPE),
            "capabilities": NAMES[: last_cap() + 1],
            "cgroup": {"v1": True, "v2": True, "systemd": False, "systemdUser": False},
            "seccomp": {
                "enabled": True,
                "actions": ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                            "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"],
                "operators": sorted(OPS),
                "archs": ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32"],
            },
            "apparmor": {"enabled": False},
            "selinux": {"enabled": False},
        },
    }
