"""`minirunc exec`: a new process inside a running container (cf. runc exec.go, libcontainer/setns_init_linux.go).

The process joins every namespace of the container's init (setns on /proc/PID/ns/*; the pid namespace
through the fork, since a process cannot change its own) and its cgroups, then takes the user,
capabilities and no_new_privs of process.json (or of config.json's process, changed by the flags).
This is what `docker exec` reaches through the shim.
"""

from __future__ import annotations

import os

from ..errors import InvalidArgument, RuntimeFailure
from ..linux import namespaces as ns
from ..oci import runtime
from . import cgroups, sync
from .container import wait_exit
from .log import Log
from .state import State

# Joined in this order: the user namespace first, since the others belong to it (setns into them needs
# CAP_SYS_ADMIN there); mnt last, because after it the host's paths (cgroup files, /proc/PID) are gone.
_ORDER = ("user", "ipc", "uts", "net", "cgroup", "time", "mnt")


def build_process(state: State, args) -> runtime.Process:
    """process.json as given, or the container's own process with the command and flags of the CLI."""
    if args.process:
        proc = runtime.load_process(args.process)
        base = runtime.Process({**(state.data.get("process") or {}), "args": ["-"]})
        # As runc: what process.json leaves out comes from the container's own process, never "all caps".
        if proc.capabilities is None:
            proc.capabilities = base.capabilities
        proc.no_new_privileges = proc.no_new_privileges or base.no_new_privileges
        return proc
    if not args.args:
        raise InvalidArgument("exec: no command given (exec [flags] ID COMMAND [ARGS...] or --process FILE)")
    raw = dict(state.data.get("process") or {})
    raw["args"] = list(args.args)
    raw["terminal"] = bool(args.tty)
    raw["env"] = list(raw.get("env") or []) + list(args.env)
    if args.cwd:
        raw["cwd"] = args.cwd
    if args.user:
        uid, _, gid = args.user.partition(":")
        if not uid.isdigit() or (gid and not gid.isdigit()):
            raise InvalidArgument(f"exec --user {args.user!r}: expected UID[:GID] as numbers")
        raw["user"] = {"uid": int(uid), "gid": int(gid or 0)}
    if args.additional_gids:
        raw.setdefault("user", {})["additionalGids"] = [int(g) for g in args.additional_gids]
    if args.cap:
        caps = {k: list(v) for k, v in (raw.get("capabilities") or {}).items()}
        for name in ("bounding", "effective", "permitted", "ambient"):
            caps[name] = caps.get(name, []) + [c for c in args.cap if c not in caps.get(name, [])]
        raw["capabilities"] = caps
    if args.no_new_privs:
        raw["noNewPrivileges"] = True
    raw.pop("consoleSize", None)
    return runtime.Process(raw)


def exec_command(root: str, args, log: Log) -> int:
    state = State.load(root, args.id)
    state.require("exec")
    proc = build_process(state, args)
    if proc.terminal and not args.console_socket and args.detach:
        raise InvalidArgument("cannot allocate tty if runc will detach without setting console socket")
    console_fd = mine = None
    if proc.terminal:
        if args.console_socket:
            from .console import connect

            console_fd = connect(args.console_socket)
        else:
            import socket

            mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            console_fd = theirs.detach()
    seccomp = None
    if state.data.get("seccomp") is not None:  # the container's filter applies to exec too
        from .seccomp import program

        seccomp = program(state.data["seccomp"], root)
    pid = _fork(state, proc, console_fd, args.preserve_fds, seccomp)
    if args.pid_file:
        from .container import _write_pid_file

        _write_pid_file(args.pid_file, pid)
    if args.detach:
        return 0
    if mine is not None:
        from .console import proxy, receive_master

        proxy(receive_master(mine.detach()))
    return wait_exit(pid)


def _namespace_fds(target: int) -> dict[str, int]:
    """The init's namespaces that differ from ours, opened while /proc/PID is still reachable."""
    fds = {}
    for name in (*_ORDER, "pid"):
        try:
            if ns.inode(target, name) != ns.inode("self", name):
                fds[name] = os.open(f"/proc/{target}/ns/{name}", os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise RuntimeFailure(f"container {target} exited while exec was joining it") from None
    return fds


def _fork(state: State, proc: runtime.Process, console_fd: int | None, preserve_fds: int = 0, seccomp=None) -> int:
    from ..linux.libc import check, libc
    from ..linux.process import set_dumpable
    from .init import environ

    fds = _namespace_fds(state.pid)
    parent, child = sync.Channel.pair()
    # The child is in the container's pid namespace from the fork until its execve: off, its
    # /proc/PID/exe (the host's interpreter) is out of reach of the container (CVE-2019-5736).
    set_dumpable(False)
    if "pid" in fds and "user" in fds and os.geteuid() != 0:
        pid = _fork_from_userns(state, proc, fds, parent, child, console_fd, preserve_fds, seccomp)
    else:
        if "pid" in fds:
            check(libc.setns(fds["pid"], ns.CLONE_NEWPID), "setns pid")
        pid = os.fork()
        if pid == 0:
            parent.close()
            _child(state, proc, fds, child, console_fd, environ(proc), preserve_fds, seccomp)
        if "pid" in fds and not ns.in_user_namespace():  # rootless: not ours to re-enter; exec forks nothing more
            ns.setns("/proc/self/ns/pid", ns.CLONE_NEWPID)
    child.close()
    for fd in fds.values():
        os.close(fd)
    if console_fd is not None:
        os.close(console_fd)
    try:
        message = parent.recv()
    finally:
        parent.close()
    if message != "ready":
        try:
            if pid:
                os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        raise RuntimeFailure(message[6:] if message.startswith("error ") else "exec: the process died before it started")
    return pid


def _fork_from_userns(state: State, proc: runtime.Process, fds: dict[str, int], parent: sync.Channel,
                      child: sync.Channel, console_fd: int | None, preserve_fds: int, seccomp=None) -> int:
    """The process's pid (0 if none was made). A caller who is not root may enter a container's pid namespace
    only from inside the container's user namespace, and never come back out: a first child joins both (as
    runc's nsexec stage-1 child) and forks the process, which comes back to us, a subreaper, when it exits."""
    from ..linux.libc import check, libc
    from ..linux.process import set_child_subreaper
    from .init import environ

    set_child_subreaper()
    report_r, report_w = os.pipe()
    first = os.fork()
    if first == 0:
        os.close(report_r)
        parent.close()
        try:
            check(libc.setns(fds.pop("user"), ns.CLONE_NEWUSER), "setns user")  # the process must not join it again
            check(libc.setns(fds["pid"], ns.CLONE_NEWPID), "setns pid")
            pid = os.fork()
            if pid == 0:
                os.close(report_w)
                _child(state, proc, fds, child, console_fd, environ(proc), preserve_fds, seccomp)
            os.write(report_w, str(pid).encode())
        except BaseException as e:  # noqa: BLE001 - said to the caller through the channel
            child.fail(e)
        os._exit(0)
    os.close(report_w)
    with os.fdopen(report_r, "rb") as report:
        said = report.read()
    os.waitpid(first, 0)
    return int(said) if said else 0


def _child(state, proc, fds, channel, console_fd, env, args_preserve: int = 0, filt=None) -> None:
    """Never returns."""
    from ..linux.libc import check, libc
    from .init import _close_inherited, _limits, become_with_seccomp

    try:
        import resource  # noqa: F401 - after joining the mount namespace the host's stdlib is out of reach

        if proc.terminal:
            import fcntl, socket, struct, termios  # noqa: F401, E401

            from .console import setup_slave
        cgroups.join(state.data["cgroup_paths"])
        for name in _ORDER:
            if name in fds:
                check(libc.setns(fds[name], 0), f"setns {name}")
        if proc.terminal:
            os.setsid()
            setup_slave(console_fd, proc.console_size, bind_console=False)
        _limits(proc)
        if state.data.get("personality"):  # the container's execution domain, as crun gives its execs
            from ..linux.process import set_personality

            set_personality(state.data["personality"])
        _close_inherited(args_preserve)
        path = become_with_seccomp(proc, env, filt)
        channel.send("ready")
        channel.close()
    except BaseException as e:  # noqa: BLE001
        channel.fail(e)
        os._exit(1)
    try:
        os.execve(path, proc.args, env)
    except OSError as e:
        os.write(2, f"minirunc exec: {proc.args[0]}: {e.strerror}\n".encode())
        os._exit(127)
