"""--pid container:X and --ipc container:X: joining another running container's namespace (cf. moby daemon/container_operations_unix.go getPidContainer, getIpcContainer).

The mode's words are checked at create; the donor is looked up at start, as dockerd does (it exists, runs,
and an IPC donor was made --ipc shareable) and becomes the path of its namespace in the OCI spec.
"""

from __future__ import annotations

from typing import Any

from ...errors import Conflict, InvalidArgument

IPC_MODES = ("", "none", "private", "shareable", "host")


def check(hc: dict[str, Any]) -> None:
    """At create: Docker's words for a bad mode."""
    ipc = hc.get("IpcMode") or ""
    if ipc not in IPC_MODES and not ipc.startswith("container:"):
        raise InvalidArgument(f"Invalid IPC mode: {ipc}")
    pid = hc.get("PidMode") or ""
    if pid not in ("", "host") and not pid.startswith("container:"):
        raise InvalidArgument(f"invalid PID mode: {pid}")


def namespace_paths(hc: dict[str, Any], containers: Any) -> dict[str, str]:
    """At start: {"pid": "/proc/N/ns/pid", "ipc": ...} for the namespaces to join."""
    out: dict[str, str] = {}
    for kind, mode in (("pid", hc.get("PidMode") or ""), ("ipc", hc.get("IpcMode") or "")):
        if not mode.startswith("container:"):
            continue
        donor = containers.get(mode.split(":", 1)[1])
        if kind == "ipc" and (donor.host_config.get("IpcMode") or "") not in ("shareable", "host"):
            raise Conflict(f"can't join IPC of container {donor.id}: non-shareable IPC "
                           "(hint: use IpcMode:shareable for the donor container)")
        if not donor.state.running or not donor.state.pid:
            raise Conflict(f"Container {donor.id} is not running")
        out[kind] = f"/proc/{donor.state.pid}/ns/{kind}"
    return out
