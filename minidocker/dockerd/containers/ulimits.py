"""HostConfig.Ulimits (`--ulimit nofile=1024:2048`) -> process.rlimits of the runtime spec
(cf. moby daemon/oci_linux.go WithRlimits, go-units ulimit.go).

minidocker's root holds no CAP_SYS_RESOURCE, so no process it starts can raise a hard limit above the one
it inherited: a limit above ours is refused here, with the number, instead of failing later in the runtime.
"""

from __future__ import annotations

import resource
from typing import Any

from ...errors import InvalidArgument

RLIM_INFINITY = 2**64 - 1  # what the runtime spec's uint64 holds for "unlimited" (Docker's -1)

NAMES = ("as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc",
         "rss", "rtprio", "rttime", "sigpending", "stack")


def _value(v: Any) -> int:
    n = int(v)
    return RLIM_INFINITY if n < 0 else n


def _ours(name: str) -> int:
    """Our own hard limit for the resource (RLIM_INFINITY when unlimited)."""
    hard = resource.getrlimit(getattr(resource, "RLIMIT_" + name.upper()))[1]
    return RLIM_INFINITY if hard == resource.RLIM_INFINITY else hard


def _show(n: int) -> str:
    return "unlimited" if n == RLIM_INFINITY else str(n)


def rlimits(ulimits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The runtime spec's rlimits for HostConfig.Ulimits; InvalidArgument for what cannot be honoured."""
    out: dict[str, dict[str, Any]] = {}
    for u in ulimits:
        name = str(u.get("Name") or "").lower()
        if name not in NAMES:
            raise InvalidArgument(f"invalid ulimit type: {u.get('Name')}")
        soft, hard = _value(u.get("Soft", 0)), _value(u.get("Hard", 0))
        if soft > hard:
            raise InvalidArgument(f"ulimit soft limit must be less than or equal to hard limit: "
                                  f"{_show(soft)} > {_show(hard)}")
        ours = _ours(name)
        if hard > ours:
            raise InvalidArgument(f"ulimit {name}={_show(soft)}:{_show(hard)}: hard limit above this engine's "
                                  f"own hard limit {_show(ours)} (minidocker runs without CAP_SYS_RESOURCE)")
        out["RLIMIT_" + name.upper()] = {"type": "RLIMIT_" + name.upper(), "soft": soft, "hard": hard}
    return list(out.values())
