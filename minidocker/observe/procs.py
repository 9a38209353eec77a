"""Read one process from /proc: name, parent, NSpid, namespace inodes, cgroup (cf. proc(5), `lsns`, `ps -o pid,ppid,comm`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from minidocker.observe.host import NAMESPACE_KINDS

# Each engine program sets its process name (prctl PR_SET_NAME, 15 bytes) so `ps` shows it; the role
# follows from that name. Python programs started before the name is set show as "python3": their
# command line says which module they run, so we look there too.
ROLE_BY_NAME = {
    "minidocker": "client",
    "minidockerd": "dockerd",
    "minicontainerd": "containerd",
    "minidocker-shim": "shim",
    "minidocker-shi": "shim",  # comm is truncated to 15 bytes
    "minirunc": "runtime",
    "runc": "runtime",
    "crun": "runtime",  # other OCI runtimes minidockerd may run (--runtime); Docker's own daemons are not ours
}
ROLE_BY_MODULE = {
    "minidocker.client.cli": "client",
    "minidocker.dockerd.main": "dockerd",
    "minidocker.containerd.main": "containerd",
    "minidocker.shim.main": "shim",
    "minidocker.runc.cli": "runtime",
}
ROOTLESS_HOLDER = "minidocker-root"  # a rootless engine's namespace holder ("minidocker-rootless", comm's 15 bytes)
ROLES = ("client", "dockerd", "containerd", "shim", "runtime", "container")


@dataclass
class Proc:
    """One process as /proc shows it, with the role it plays in the engine (or None)."""

    pid: int
    ppid: int
    name: str
    cmdline: list[str]
    nspid: list[int]
    ns: dict[str, int] = field(default_factory=dict)
    cgroup: dict[str, str] = field(default_factory=dict)
    role: str | None = None

    @property
    def inner_pid(self) -> int:
        """The PID the process sees for itself in its innermost pid namespace."""
        return self.nspid[-1] if self.nspid else self.pid

    def cgroup_path(self) -> str:
        """The cgroup v2 path if there is one, else the memory controller's v1 path."""
        return self.cgroup.get("", "") or self.cgroup.get("memory", "") or next(iter(self.cgroup.values()), "")


def _status(pid: int) -> dict[str, str]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


def namespaces(pid: int | str) -> dict[str, int]:
    """Namespace kind -> inode number, from the /proc/<pid>/ns/* links ("pid:[4026531836]")."""
    out = {}
    for kind in NAMESPACE_KINDS:
        try:
            link = os.readlink(f"/proc/{pid}/ns/{kind}")
        except OSError:
            continue
        out[kind] = int(link[link.index("[") + 1 : -1])
    return out


def cgroups(pid: int | str) -> dict[str, str]:
    """Controller list -> path, from /proc/<pid>/cgroup ("" is the cgroup v2 hierarchy)."""
    out = {}
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            out[name.removeprefix("name=")] = path
    return out


def role_of(name: str, cmdline: list[str]) -> str | None:
    """The engine role a process plays, from its name or, for Python programs, its module or script."""
    if name in ROLE_BY_NAME:
        return ROLE_BY_NAME[name]
    if name == ROOTLESS_HOLDER:  # a fork of `minidocker daemon start` that holds the namespaces: no client
        return None
    if not cmdline:
        return None
    if not os.path.basename(cmdline[0]).startswith("python"):
        return ROLE_BY_NAME.get(os.path.basename(cmdline[0]))
    args = iter(cmdline[1:])
    for arg in args:
        if arg == "-m":
            return ROLE_BY_MODULE.get(next(args, ""))
        if arg == "-c":
            return None
        if not arg.startswith("-"):
            return ROLE_BY_NAME.get(os.path.basename(arg))
    return None


def read(pid: int) -> Proc:
    """Everything this module knows about one live process (raises ProcessLookupError if gone)."""
    try:
        st = _status(pid)
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        cmdline = [a.decode(errors="replace") for a in raw.split(b"\0") if a]
        cg = cgroups(pid)
    except (FileNotFoundError, ProcessLookupError) as exc:
        raise ProcessLookupError(pid) from exc
    nspid = [int(x) for x in st.get("NSpid", st.get("Pid", str(pid))).split()]
    name = st.get("Name", "?")
    return Proc(pid=pid, ppid=int(st.get("PPid", "0")), name=name, cmdline=cmdline, nspid=nspid,
                ns=namespaces(pid), cgroup=cg, role=role_of(name, cmdline))


def environ_value(pid: int, key: str) -> str | None:
    """One variable from a process's environment (root can read anyone's)."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    prefix = key.encode() + b"="
    for item in raw.split(b"\0"):
        if item.startswith(prefix):
            return item[len(prefix):].decode(errors="replace")
    return None
