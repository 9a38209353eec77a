"""Process attributes via prctl(2) and /proc readers: names, subreapers, start times (cf. runc libcontainer/system/proc.go)."""

from __future__ import annotations

import ctypes

from .libc import check, libc

PR_SET_PDEATHSIG = 1
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4
PR_SET_NAME = 15
PR_SET_CHILD_SUBREAPER = 36


# personality(2) execution domains the runtime spec names (linux.personality.domain).
PERSONALITIES = {"LINUX": 0x0000, "LINUX32": 0x0008}


def set_personality(domain: str) -> None:
    """personality(2): LINUX32 makes uname(2) report a 32-bit machine (i686) to this process and its children."""
    check(libc.personality(ctypes.c_ulong(PERSONALITIES[domain])), f"personality {domain}")


def set_name(name: str) -> None:
    """The process name shown by ps (comm), at most 15 bytes."""
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)


def set_dumpable(on: bool) -> None:
    """Whether /proc/PID/exe, mem, environ... of this process may be opened by others of the same uid.

    Off, only a holder of CAP_SYS_PTRACE may (ptrace_may_access), which containers lack: runc turns it
    off before it joins a container so a process inside cannot open the runtime's binary through
    /proc/PID/exe (CVE-2019-5736). Inherited by fork; execve of the container's program turns it back on."""
    check(libc.prctl(PR_SET_DUMPABLE, ctypes.c_ulong(1 if on else 0), 0, 0, 0), "PR_SET_DUMPABLE")


def dumpable() -> bool:
    """The PR_GET_DUMPABLE flag of this process."""
    return check(libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), "PR_GET_DUMPABLE") == 1


def set_child_subreaper() -> None:
    """Orphaned descendants are reparented to the caller instead of init (a shim's job)."""
    check(libc.prctl(PR_SET_CHILD_SUBREAPER, ctypes.c_ulong(1), 0, 0, 0), "PR_SET_CHILD_SUBREAPER")


def stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (index 0 = state, 19 = starttime), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read().decode()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return raw[raw.rindex(")") + 2:].split()


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot: with the pid it identifies a process for good."""
    fields = stat_fields(pid)
    return int(fields[19]) if fields else None


def state(pid: int) -> str | None:
    """The one-letter state of /proc/PID/stat (R, S, D, Z, T, ...), or None if no such process."""
    fields = stat_fields(pid)
    return fields[0] if fields else None


SYS_KEYCTL = 250  # x86_64
KEYCTL_JOIN_SESSION_KEYRING = 1
KEYCTL_SETPERM = 5
KEYCTL_DESCRIBE = 6
KEY_USR_SETATTR = 0x080000


def join_session_keyring(name: str) -> int:
    """keyctl(KEYCTL_JOIN_SESSION_KEYRING): a fresh session keyring, so a container cannot reach keys the
    caller's session holds (runc does this unless --no-new-keyring). Returns the keyring's serial."""
    from .libc import syscall

    return syscall(SYS_KEYCTL, ctypes.c_long(KEYCTL_JOIN_SESSION_KEYRING), ctypes.c_char_p(name.encode()),
                   what="keyctl join session keyring")


def add_key_permission(serial: int, bits: int) -> None:
    """KEYCTL_DESCRIBE for the current permission mask ("type;uid;gid;perm;description"), then SETPERM."""
    from .libc import syscall

    buf = ctypes.create_string_buffer(512)
    syscall(SYS_KEYCTL, ctypes.c_long(KEYCTL_DESCRIBE), ctypes.c_long(serial), buf, ctypes.c_long(512),
            what="keyctl describe")
    perm = int(buf.value.decode().split(";")[3], 16)
    syscall(SYS_KEYCTL, ctypes.c_long(KEYCTL_SETPERM), ctypes.c_long(serial), ctypes.c_long(perm | bits),
            what="keyctl setperm")
