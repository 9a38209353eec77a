"""`minidocker pause`, `unpause` and `update` (cf. docker/cli cli/command/container/pause.go, unpause.go, update.go)."""

from __future__ import annotations

from ..errors import APIError
from .lifecycle import _each

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any


def pause_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def pause(cli: Any, a: argparse.Namespace) -> int:
    return _each(cli, a.containers, lambda n: cli.api.pause(n))


def unpause_args(p: argparse.ArgumentParser) -> None:
    pause_args(p)


def unpause(cli: Any, a: argparse.Namespace) -> int:
    return _each(cli, a.containers, lambda n: cli.api.unpause(n))


# flag -> (HostConfig field, how its value is read); the CLI sends only the flags given (update.go).
UPDATE_FLAGS = {
    "blkio_weight": ("BlkioWeight", int), "cpu_period": ("CpuPeriod", int), "cpu_quota": ("CpuQuota", int),
    "cpu_rt_period": ("CpuRealtimePeriod", int), "cpu_rt_runtime": ("CpuRealtimeRuntime", int),
    "cpu_shares": ("CpuShares", int), "cpus": ("NanoCpus", "nano"), "cpuset_cpus": ("CpusetCpus", str),
    "cpuset_mems": ("CpusetMems", str), "kernel_memory": ("KernelMemory", "ram"), "memory": ("Memory", "ram"),
    "memory_reservation": ("MemoryReservation", "ram"), "memory_swap": ("MemorySwap", "swap"),
    "pids_limit": ("PidsLimit", int),
}


def update_args(p: argparse.ArgumentParser) -> None:
    for flag in UPDATE_FLAGS:
        p.add_argument("--" + flag.replace("_", "-"), dest=flag)
    p.add_argument("-c", dest="cpu_shares")
    p.add_argument("-m", dest="memory")
    p.add_argument("--restart", help="Restart policy to apply when a container exits")
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def update_body(a: argparse.Namespace) -> dict[str, Any]:
    """The flags given -> the UpdateConfig body; a bad value is docker's usage error (exit 125)."""
    from .. import config as cfg
    from .run import _flag_value

    readers = {"nano": cfg.nano_cpus, "ram": cfg.ram_in_bytes,
               "swap": lambda v: -1 if v == "-1" else cfg.ram_in_bytes(v)}
    body: dict[str, Any] = {}
    for flag, (field, kind) in UPDATE_FLAGS.items():
        value = getattr(a, flag)
        if value is not None:
            body[field] = _flag_value("--" + flag.replace("_", "-"), value, readers.get(kind, kind))
    if a.restart is not None:
        body["RestartPolicy"] = cfg.restart_policy(a.restart)  # ValueError: the command's own error (exit 1)
    return body


def update(cli: Any, a: argparse.Namespace) -> int:
    from ..cli import UsageError

    try:
        body = update_body(a)
    except ValueError as err:
        cli.warn(str(err))
        return 1
    if not body:
        raise UsageError("you must provide one or more flags when using this command", 1)
    warnings, errors = [], []
    for name in a.containers:
        try:
            result = cli.api.update_container(name, body)
        except APIError as err:
            errors.append(str(err))
            continue
        print(name)
        warnings += result.get("Warnings") or []
    if warnings:
        print("\n".join(warnings))
    if errors:
        cli.warn("\n".join(errors))
        return 1
    return 0
