"""Becoming the container's user: groups, uid/gid, capabilities, no_new_privs, cwd and the executable
(cf. runc libcontainer/init_linux.go finalizeNamespace, setupUser; libcontainer/capabilities)."""

from __future__ import annotations

import os
import stat

from ..errors import InvalidArgument
from ..linux import capabilities as caps
from ..oci.runtime import Process

PASSWD_LIMIT = 4 << 20  # bytes of /etc/passwd read for HOME


def home_of(uid: int) -> str:
    """HOME from the container's /etc/passwd, or / (runc sets HOME when the spec's env lacks it).

    The image owns that file: a FIFO or a device there must not block the start (opened O_NONBLOCK,
    read only if it is a regular file), and a huge one is read only so far."""
    try:
        fd = os.open("/etc/passwd", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return "/"
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "/"
        text = f.read(PASSWD_LIMIT).decode(errors="replace")
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= 6 and fields[2] == str(uid):
            return fields[5] or "/"
    return "/"


def lookup(name: str, env: dict[str, str]) -> str:
    """argv[0] searched in the container's PATH, as execvp would; refused before `create` returns."""
    if "/" in name:
        candidates = [name]
    else:
        candidates = [os.path.join(d or ".", name) for d in env.get("PATH", "").split(":")]
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise InvalidArgument(f'exec: "{name}": executable file not found in $PATH')


def _setgroups_allowed() -> bool:
    """False in a user namespace whose maps were written with setgroups denied (one id mapped by an ordinary
    user, user_namespaces(7)): the kernel refuses setgroups there, and runc skips it as well."""
    try:
        with open("/proc/self/setgroups") as f:
            return f.read().strip() != "deny"
    except OSError:
        return True


def become(proc: Process, env: dict[str, str]) -> str:
    """Switch identity; returns the path to execve. The order matters: the bounding set can only be
    dropped while CAP_SETPCAP is held, and permitted capabilities survive setuid() only with KEEPCAPS."""
    c = proc.capabilities
    if c is not None:
        caps.drop_bounding(caps.mask(c.bounding))
        caps.set_keepcaps(True)
    u = proc.user
    if _setgroups_allowed():
        os.setgroups(u.additional_gids)
    os.setresgid(u.gid, u.gid, u.gid)
    os.setresuid(u.uid, u.uid, u.uid)
    if c is not None:
        caps.set_keepcaps(False)
    try:
        os.chdir(proc.cwd)
    except OSError as e:
        raise InvalidArgument(f"chdir to cwd ({proc.cwd!r}) set in config.json failed: {e.strerror}") from None
    if c is not None:
        caps.capset(caps.mask(c.effective), caps.mask(c.permitted), caps.mask(c.inheritable))
        caps.raise_ambient(caps.mask(c.ambient))
    if proc.no_new_privileges:
        caps.set_no_new_privs()
    env.setdefault("HOME", home_of(u.uid))
    return lookup(proc.args[0], env)
