"""User and new time namespaces: the stage that makes or joins them before the container's init exists,
and the maps written for a user namespace (cf. runc libcontainer/nsenter/nsexec.c stage-1 child,
libcontainer/process_linux.go setupUser; crun's timens handling; user_namespaces(7), time_namespaces(7);
newuidmap(1) from Debian's uidmap package).

Every other namespace must belong to the container's user namespace, the pid namespace included (mounting
/proc needs CAP_SYS_ADMIN in the user namespace that owns the pid namespace). So the order is runc's: a
first child makes (unshare) or joins (setns) the user namespace; the runtime, still root on the host,
writes its uid_map and gid_map (through newuidmap/newgidmap when the caller is not root, as rootless
runtimes do); that child becomes root of the namespace, makes or joins the pid namespace, forks the init
as its PID 1, reports the init's host pid and exits. The runtime is a subreaper, so the init is re-parented
to it: the runtime's child while `create` runs, as runc's (nsexec's CLONE_PARENT), the shim's once it exits.

A new time namespace, like a pid namespace, only holds the children of the process that unshares it, and
its clock offsets (linux.timeOffsets) must be written before any process is in it: the first child does
both, single-threaded as setns/unshare of a time namespace need, so the init is born in it.
"""

from __future__ import annotations

import os

from ..errors import RuntimeFailure
from ..linux import namespaces as ns
from ..oci.runtime import IDMapping, Spec
from .sync import Channel


def map_commands(pid: int, spec: Spec, euid: int) -> list[tuple[str, list[str] | str]]:
    """What writes the maps of process `pid`: ("file", path, content) pairs as root, the setuid helpers otherwise."""
    uid, gid = spec.linux.uid_mappings, spec.linux.gid_mappings
    if euid == 0:
        return [(f"/proc/{pid}/uid_map", _content(uid)), (f"/proc/{pid}/gid_map", _content(gid))]
    return [("newuidmap", [str(pid), *_words(uid)]), ("newgidmap", [str(pid), *_words(gid)])]


def _content(maps: list[IDMapping]) -> str:
    return "".join(m.line() + "\n" for m in maps)  # one write(2): the kernel accepts a map only once


def _words(maps: list[IDMapping]) -> list[str]:
    return [w for m in maps for w in m.line().split()]


def write_maps(pid: int, spec: Spec) -> None:
    """Run by the runtime (the parent), outside the new namespace, once the child has made it."""
    for what, data in map_commands(pid, spec, os.geteuid()):
        if what.startswith("/proc/"):
            try:
                with open(what, "w") as f:
                    f.write(data)
            except OSError as e:
                raise RuntimeFailure(f"user namespace: writing {os.path.basename(what)} {data.strip()!r}: {e.strerror}") from None
            continue
        import shutil
        import subprocess

        exe = shutil.which(what)
        if exe is None:
            raise RuntimeFailure(f"user namespace: {what} not found (Debian's uidmap package) to map ids as uid {os.geteuid()}")
        done = subprocess.run([exe, *data], capture_output=True)
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace").strip().splitlines()
            raise RuntimeFailure(f"user namespace: {what} failed" + (f": {detail[-1]}" if detail else ""))


def stage_one(spec: Spec, channel: Channel, start_init) -> None:
    """In the first child: enter the user namespace and become its root, make the time namespace, enter
    the pid namespace and fork the init (start_init, which never returns); report its pid and exit."""
    try:
        user = spec.linux.namespace("user")
        if user is not None:
            _enter_user(user, channel)
        time = spec.linux.namespace("time")
        if time is not None and not time.path:
            ns.unshare(ns.CLONE_NEWTIME)
            if spec.linux.time_offsets:
                with open("/proc/self/timens_offsets", "w") as f:  # one write, before any process is inside
                    f.write("".join(f"{clock} {secs} {nanos}\n" for clock, secs, nanos in spec.linux.time_offsets))
        pidns = spec.linux.namespace("pid")
        if pidns is not None:
            if pidns.path:
                ns.setns(pidns.path, ns.CLONE_NEWPID)
            else:
                ns.unshare(ns.CLONE_NEWPID)
        hold_r, hold_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(hold_w)
            os.read(hold_r, 1)  # until our pid is reported: the runtime reads it before anything the init says
            os.close(hold_r)
            start_init()
        os.close(hold_r)
        channel.send(f"pid {pid}")
        os.close(hold_w)
    except BaseException as e:  # noqa: BLE001 - reported to the runtime as one line
        channel.fail(e)
        os._exit(1)
    os._exit(0)


def _enter_user(user, channel: Channel) -> None:
    if user.path:
        ns.setns(user.path, ns.CLONE_NEWUSER)
    else:
        ns.unshare(ns.CLONE_NEWUSER)
        channel.send("userns")  # the runtime writes our maps, then answers
        channel.expect("mapped")
    try:
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
    except OSError as e:
        raise RuntimeFailure(f"user namespace: cannot become its root (is uid and gid 0 mapped?): {e.strerror}") from None
