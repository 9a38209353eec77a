"""Our stance on linux.seccomp (cf. runc libcontainer/seccomp): accepted, validated in shape, not loaded.

Docker and containerd put their default seccomp profile into every config.json; refusing it would break
every Docker-generated spec. The filter is not installed: the container still gets Docker's other
defences (14 capabilities, no_new_privs, masked and read-only /proc paths, namespaces, cgroups).
The warning says so on every create, so the gap is never silent.
"""

from __future__ import annotations

from ..errors import InvalidArgument

KNOWN = {"defaultAction", "defaultErrnoRet", "architectures", "flags", "listenerPath", "listenerMetadata",
         "syscalls"}


def stance(profile: dict) -> list[str]:
    """Check the profile's shape; returns the warning to log."""
    for key in profile:
        if key not in KNOWN:
            raise InvalidArgument(f"config.json: unknown field linux.seccomp.{key}")
    if not isinstance(profile.get("defaultAction", ""), str):
        raise InvalidArgument("config.json: linux.seccomp.defaultAction must be a string")
    if not isinstance(profile.get("syscalls") or [], list):
        raise InvalidArgument("config.json: linux.seccomp.syscalls must be a list")
    rules = len(profile.get("syscalls") or [])
    return [f"linux.seccomp ({rules} rules, default {profile.get('defaultAction')}) is accepted but not "
            "loaded: minirunc does not install seccomp filters"]
