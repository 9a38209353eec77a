"""POST /containers/{id}/update: new resource limits and restart policy for a container (cf. moby daemon/update.go, container/container_unix.go UpdateContainer).

The request's values are checked as at create, merged into the stored HostConfig (a zero leaves a
field as it was), and, when the container runs, sent on through containerd to `<runtime> update`:
only the fields the request names, as dockerd's toContainerdResources does.
"""

from __future__ import annotations

import copy
from typing import Any

from ..errors import Conflict, InvalidArgument, MinidockerError, RuntimeFailure
from .containers.record import Container
from .containers.state import Status

# The HostConfig fields `update` may change (api/types/container.UpdateConfig: Resources + RestartPolicy).
MERGED_IF_SET = ("BlkioWeight", "CpuShares", "NanoCpus", "CpuPeriod", "CpuQuota", "CpusetCpus", "CpusetMems",
                 "MemorySwap", "MemoryReservation", "KernelMemory", "CpuRealtimePeriod", "CpuRealtimeRuntime")
CPU_PERIOD = 100_000


class CannotUpdate(MinidockerError):
    """dockerd's errCannotUpdate: the cause's status, the message prefixed with the container."""

    def __init__(self, cid: str, cause: MinidockerError) -> None:
        super().__init__(f"Cannot update container {cid}: {cause}")
        self.status = cause.status


def merge(current: dict[str, Any], update: dict[str, Any]) -> None:
    """UpdateContainer: the conflicts dockerd refuses, then each non-zero field over the stored one."""
    nano, period, quota = (int(update.get(k) or 0) for k in ("NanoCpus", "CpuPeriod", "CpuQuota"))
    if nano > 0 and int(current.get("CpuPeriod") or 0) > 0:
        raise Conflict("Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set")
    if nano > 0 and int(current.get("CpuQuota") or 0) > 0:
        raise Conflict("Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set")
    if period > 0 and int(current.get("NanoCpus") or 0) > 0:
        raise Conflict("Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set")
    if quota > 0 and int(current.get("NanoCpus") or 0) > 0:
        raise Conflict("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set")
    memory = int(update.get("Memory") or 0)
    if memory:
        if memory > int(current.get("MemorySwap") or 0) and not int(update.get("MemorySwap") or 0):
            raise Conflict("Memory limit should be smaller than already set memoryswap limit, "
                           "update the memoryswap at the same time")
        current["Memory"] = memory
    for key in MERGED_IF_SET:
        if update.get(key):
            current[key] = update[key]
    if update.get("PidsLimit") is not None:
        current["PidsLimit"] = max(int(update["PidsLimit"]), 0)  # a lifted limit reads 0, as dockerd stores it
    policy = update.get("RestartPolicy") or {}
    if policy.get("Name"):
        if current.get("AutoRemove") and policy["Name"] != "no":
            raise Conflict("Restart policy cannot be updated because AutoRemove is enabled for the container")
        current["RestartPolicy"] = {"Name": policy["Name"], "MaximumRetryCount": int(policy.get("MaximumRetryCount") or 0)}


def runtime_resources(update: dict[str, Any]) -> dict[str, Any]:
    """linux.resources of what the request names only (cf. daemon/update_linux.go toContainerdResources)."""
    res: dict[str, Any] = {}
    memory = {k: int(update[f]) for k, f in (("limit", "Memory"), ("swap", "MemorySwap"),
                                             ("reservation", "MemoryReservation"), ("kernel", "KernelMemory"))
              if update.get(f)}
    if memory:
        res["memory"] = memory
    cpu: dict[str, Any] = {}
    if update.get("CpuShares"):
        cpu["shares"] = int(update["CpuShares"])
    if update.get("NanoCpus"):
        cpu["period"], cpu["quota"] = CPU_PERIOD, int(update["NanoCpus"]) * CPU_PERIOD // 1_000_000_000
    if update.get("CpuPeriod"):
        cpu["period"] = int(update["CpuPeriod"])
    if update.get("CpuQuota"):
        cpu["quota"] = int(update["CpuQuota"])
    for key, field in (("cpus", "CpusetCpus"), ("mems", "CpusetMems")):
        if update.get(field):
            cpu[key] = update[field]
    if cpu:
        res["cpu"] = cpu
    if update.get("PidsLimit") is not None:
        limit = int(update["PidsLimit"])
        res["pids"] = {"limit": limit if limit > 0 else -1}  # runc needs -1 to lift a limit
    return res


def validate(update: dict[str, Any]) -> list[str]:
    """verifyContainerSettings(update=true): the ranges and the restart policy, as at create."""
    from .create import discard_unsupported, validate_limits, validate_restart_policy

    validate_limits(update)
    validate_restart_policy(update.get("RestartPolicy") or {}, bool(update.get("AutoRemove")))
    return discard_unsupported(update)


class UpdateMixin:
    def update_container(self, c: Container, body: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise InvalidArgument("update: the body must be a JSON object")
        warnings = validate(body)
        with c.lock:
            if c.state.status in (Status.REMOVING, Status.DEAD):
                raise CannotUpdate(c.id, Conflict('container is marked for removal and cannot be "update"'))
            backup = copy.deepcopy(c.host_config)
            try:
                merge(c.host_config, body)
            except MinidockerError as err:
                c.host_config = backup
                raise CannotUpdate(c.id, err) from None
            if c.state.status in (Status.RUNNING, Status.PAUSED):
                try:
                    self.tasks.update(c.id, runtime_resources(body))
                except Exception as err:  # noqa: BLE001 - any runtime failure: back to the old config
                    c.host_config = backup
                    raise CannotUpdate(c.id, RuntimeFailure(str(err))) from None
            if (body.get("RestartPolicy") or {}).get("Name") and c.restart_manager is not None:
                c.restart_manager.set_policy(c.host_config["RestartPolicy"])  # moby UpdateMonitor
            c.save()
        self.emit(c, "update")
        return {"Warnings": warnings or None}
