"""What the host kernel offers a container engine: namespaces, overlayfs, the cgroup layout (cf. runc's `check-config` and moby contrib/check-config.sh)."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

# The namespace kinds a container uses, as named under /proc/<pid>/ns (see namespaces(7)).
NAMESPACE_KINDS = ("mnt", "pid", "net", "ipc", "uts", "user", "cgroup")


@dataclass(frozen=True)
class Check:
    """One preflight line: what was checked, whether it passed, and what was seen."""

    name: str
    ok: bool
    detail: str


def kernel_release() -> str:
    """The running kernel's release, what `uname -r` prints."""
    return platform.release()


def namespace_kinds(pid: int | str = "self") -> list[str]:
    """The namespace kinds this kernel exposes for a process (the files in /proc/<pid>/ns)."""
    try:
        present = set(os.listdir(f"/proc/{pid}/ns"))
    except OSError:
        return []
    return [kind for kind in NAMESPACE_KINDS if kind in present]


def filesystems() -> set[str]:
    """The filesystem types the kernel knows (/proc/filesystems)."""
    text = Path("/proc/filesystems").read_text()
    return {line.split()[-1] for line in text.splitlines() if line.strip()}


def cgroup_layout() -> str:
    """'v2' (unified), 'hybrid' (v1 controllers plus a v2 mount) or 'v1', read from /proc/self/mounts."""
    v1 = v2 = False
    root_is_v2 = False
    for line in Path("/proc/self/mounts").read_text().splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        if fields[2] == "cgroup2":
            v2 = True
            root_is_v2 = root_is_v2 or fields[1] == "/sys/fs/cgroup"
        elif fields[2] == "cgroup":
            v1 = True
    if root_is_v2 and not v1:
        return "v2"
    if v1 and v2:
        return "hybrid"
    return "v1" if v1 else "none"


def checks() -> list[Check]:
    """The kernel features a container engine needs, each checked on this host."""
    kinds = namespace_kinds()
    missing = [k for k in ("mnt", "pid", "net", "ipc", "uts") if k not in kinds]
    layout = cgroup_layout()
    return [
        Check("root", os.geteuid() == 0, f"euid {os.geteuid()}"),
        Check("kernel", True, kernel_release()),
        Check("namespaces", not missing, " ".join(kinds) + (f" (missing: {' '.join(missing)})" if missing else "")),
        Check("overlayfs", "overlay" in filesystems(), "overlay in /proc/filesystems"),
        Check("cgroups", layout != "none", layout),
    ]


def hypervisor() -> str | None:
    """If this machine is itself a virtual machine, what the CPU and firmware say; else None.

    The CPU sets the 'hypervisor' flag (CPUID leaf 1, ECX bit 31) when it runs under one.
    """
    flags = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags = line
            break
    if " hypervisor" not in flags:
        return None
    vendor = ""
    for name in ("sys_vendor", "product_name"):
        try:
            vendor += Path(f"/sys/class/dmi/id/{name}").read_text().strip() + " "
        except OSError:
            pass
    return vendor.strip() or "a hypervisor (the CPU's hypervisor flag is set)"
