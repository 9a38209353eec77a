"""Linux capabilities: names, capset(2), bounding and ambient sets via prctl(2) (cf. runc libcontainer/capabilities, man 7 capabilities)."""

from __future__ import annotations

import ctypes

from .libc import check, libc

# Numbered as in linux/capability.h; the list index is the capability number.
NAMES = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
    "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
    "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
]
NUMBER = {name: i for i, name in enumerate(NAMES)}

PR_CAPBSET_READ = 23
PR_CAPBSET_DROP = 24
PR_SET_KEEPCAPS = 8
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_RAISE = 2
PR_CAP_AMBIENT_CLEAR_ALL = 4

_LINUX_CAPABILITY_VERSION_3 = 0x20080522
SYS_CAPSET = 126  # x86_64


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


_last_cap: list[int] = []


def last_cap() -> int:
    """The highest capability this kernel knows (capabilities above it cannot be named to it)."""
    if not _last_cap:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            _last_cap.append(int(f.read()))
    return _last_cap[0]


def mask(names: list[str]) -> int:
    """A bit mask from capability names, ignoring those the running kernel does not know (as runc does)."""
    top = last_cap()
    bits = 0
    for name in names:
        n = NUMBER[name]
        if n <= top:
            bits |= 1 << n
    return bits


def prctl(option: int, arg2: int = 0, arg3: int = 0, what: str = "prctl") -> int:
    return check(libc.prctl(option, ctypes.c_ulong(arg2), ctypes.c_ulong(arg3), ctypes.c_ulong(0), ctypes.c_ulong(0)), what)


def drop_bounding(keep: int) -> None:
    """Drop every capability not in `keep` from the bounding set (needs CAP_SETPCAP, so do it before capset)."""
    for n in range(last_cap() + 1):
        if not keep & (1 << n):
            prctl(PR_CAPBSET_DROP, n, what=f"drop {NAMES[n]} from the bounding set")


def capset(effective: int, permitted: int, inheritable: int) -> None:
    """capset(2) for the calling thread: 64-bit masks split into the two 32-bit words of version 3."""
    header = _Header(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_Data * 2)(
        _Data(effective & 0xFFFFFFFF, permitted & 0xFFFFFFFF, inheritable & 0xFFFFFFFF),
        _Data(effective >> 32, permitted >> 32, inheritable >> 32),
    )
    check(libc.syscall(ctypes.c_long(SYS_CAPSET), ctypes.byref(header), data), "capset")


def raise_ambient(bits: int) -> None:
    """Raise ambient capabilities; the kernel refuses those not both permitted and inheritable,
    and runc ignores that refusal, so a spec's ambient set without inheritable has no effect."""
    for n in range(last_cap() + 1):
        if bits & (1 << n):
            libc.prctl(PR_CAP_AMBIENT, ctypes.c_ulong(PR_CAP_AMBIENT_RAISE), ctypes.c_ulong(n), ctypes.c_ulong(0), ctypes.c_ulong(0))


def set_keepcaps(on: bool) -> None:
    """Keep the permitted set across setuid() from root to another user (cleared again after)."""
    prctl(PR_SET_KEEPCAPS, 1 if on else 0, what="PR_SET_KEEPCAPS")


def set_no_new_privs() -> None:
    """execve() can no longer grant privileges (setuid bits, file capabilities): man 2 prctl."""
    prctl(PR_SET_NO_NEW_PRIVS, 1, what="PR_SET_NO_NEW_PRIVS")
