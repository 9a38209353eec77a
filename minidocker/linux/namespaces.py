"""unshare(2), setns(2) and the CLONE_NEW* flags; /proc/PID/ns readers (cf. golang.org/x/sys/unix, runc libcontainer/configs/namespaces_linux.go)."""

from __future__ import annotations

import os

from .libc import check, libc

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_NEWTIME = 0x00000080

# The runtime spec's namespace type -> (clone flag, the file name under /proc/PID/ns).
BY_TYPE: dict[str, tuple[int, str]] = {
    "pid": (CLONE_NEWPID, "pid"),
    "network": (CLONE_NEWNET, "net"),
    "mount": (CLONE_NEWNS, "mnt"),
    "ipc": (CLONE_NEWIPC, "ipc"),
    "uts": (CLONE_NEWUTS, "uts"),
    "user": (CLONE_NEWUSER, "user"),
    "cgroup": (CLONE_NEWCGROUP, "cgroup"),
    "time": (CLONE_NEWTIME, "time"),
}


def unshare(flags: int) -> None:
    """unshare(2): move the caller into new namespaces (CLONE_NEWPID only affects its next children)."""
    check(libc.unshare(flags), "unshare")


def in_user_namespace() -> bool:
    """True when the caller is not in the initial user namespace, which alone maps all 2**32-1 ids from 0
    (cf. runc libcontainer/userns RunningInUserNS): a rootless engine's daemons and runtime."""
    try:
        with open("/proc/self/uid_map") as f:
            first = f.readline().split()
    except OSError:
        return False
    return first[:3] != ["0", "0", "4294967295"]


def setns(path: str, flags: int = 0) -> None:
    """setns(2) on the namespace file at `path` (e.g. /proc/1234/ns/net or a bind-mounted netns)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        check(libc.setns(fd, flags), f"setns {path}", path)
    finally:
        os.close(fd)


def inode(pid: int | str, name: str) -> int:
    """The inode number that identifies a process's namespace: equal numbers mean the same namespace."""
    return os.stat(f"/proc/{pid}/ns/{name}").st_ino


def sethostname(name: str) -> None:
    """sethostname(2) in the caller's UTS namespace (ctypes avoids importing socket on the hot path)."""
    raw = name.encode()
    check(libc.sethostname(raw, len(raw)), "sethostname")


def setdomainname(name: str) -> None:
    """setdomainname(2) in the caller's UTS namespace."""
    raw = name.encode()
    check(libc.setdomainname(raw, len(raw)), "setdomainname")
