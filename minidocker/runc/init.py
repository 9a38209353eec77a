"""The container's init process, between fork and execve (cf. runc libcontainer/standard_init_linux.go, init_linux.go).

It is already PID 1 of the new pid namespace (the parent unshared CLONE_NEWPID before forking). Here it
joins the cgroups, makes or joins the other namespaces, builds the root filesystem, switches root, and
becomes the configured user with the configured capabilities. Then it tells the parent it is ready and
blocks opening the exec fifo for writing: `start` opening the other end is what releases it to execve.
Any failure is sent to the parent as one line and the process exits; its mounts die with its namespace.
"""

from __future__ import annotations

import os

from ..linux import namespaces as ns
from ..oci.runtime import Process, Spec
from . import devices, rootfs, sync
from .user import become


class InitConfig:
    """Everything the child needs, prepared by the parent before fork."""

    def __init__(self, spec: Spec, root: str, cgroup_paths: dict[str, str], fifo_fd: int, channel: sync.Channel,
                 console_fd: int | None, no_pivot: bool, keyring: str | None = None, preserve_fds: int = 0,
                 seccomp=None) -> None:
        self.spec = spec
        self.rootfs = root
        self.cgroup_paths = cgroup_paths
        self.fifo_fd = fifo_fd
        self.channel = channel
        self.console_fd = console_fd
        self.no_pivot = no_pivot
        self.keyring = keyring  # the session keyring's name (the container id), None for --no-new-keyring
        self.preserve_fds = preserve_fds  # --preserve-fds: fds 3 .. 3+N-1 stay open in the container
        self.seccomp = seccomp  # linux.seccomp compiled by the parent (seccomp.program): loaded before exec
        self.hook_state: dict = {}  # the state document for createContainer/startContainer hooks
        self.proc_fd: int | None = None  # the host's /proc, kept open when the rootfs has none (no mount namespace)


def main(cfg: InitConfig) -> None:
    """Never returns: execve()s the container's process, or exits 1 after reporting why not."""
    try:
        from ..linux.process import set_dumpable, set_name

        set_dumpable(False)  # CVE-2019-5736: see container._fork_init (also the init a user namespace's first child forks)
        set_name("minirunc:[INIT]")  # as runc's "runc:[2:INIT]": what ps shows while it waits for start
        env = environ(cfg.spec.process)
        path = _setup(cfg, env)
        argv = cfg.spec.process.args
        cfg.channel.send("ready")
        cfg.channel.close()
        # Reopening the O_PATH fd for writing blocks until `start` opens the other end.
        fifo = os.open(f"self/fd/{cfg.fifo_fd}", os.O_WRONLY | os.O_CLOEXEC, dir_fd=cfg.proc_fd) \
            if cfg.proc_fd is not None else os.open(f"/proc/self/fd/{cfg.fifo_fd}", os.O_WRONLY | os.O_CLOEXEC)
        os.write(fifo, b"0")
        os.close(fifo)
        os.close(cfg.fifo_fd)
        if cfg.proc_fd is not None:
            os.close(cfg.proc_fd)
    except BaseException as e:  # noqa: BLE001 - every failure must reach the parent as one line
        cfg.channel.fail(e)
        os._exit(1)
    if cfg.spec.hooks.start_container:
        from . import hooks

        try:  # inside the container, as its user, before the program: `start` has returned already
            hooks.run(cfg.spec.hooks.start_container, cfg.hook_state, "startContainer")
        except BaseException as e:  # noqa: BLE001 - the container stops; its stderr says why
            os.write(2, f"minirunc: {e}\n".encode())
            os._exit(1)
    try:
        os.execve(path, argv, env)
    except OSError as e:
        os.write(2, f"minirunc: exec {argv[0]}: {e.strerror}\n".encode())
        os._exit(127)


def _setup(cfg: InitConfig, env: dict[str, str]) -> str:
    spec, proc = cfg.spec, cfg.spec.process
    # The parent moves us into the cgroups meanwhile (see container._fork_init); a new cgroup namespace
    # takes the current cgroup as its root, so then we must wait for that first.
    joined = False
    if spec.linux.namespace("cgroup") is not None:
        cfg.channel.expect("joined")
        joined = True
    flags = 0
    for space in spec.linux.namespaces:
        flag = ns.BY_TYPE[space.type][0]
        if space.type in ("pid", "user") or (space.type == "time" and not space.path):
            continue  # done before the fork (a process never changes its own pid namespace), see userns.py
        if space.path:
            ns.setns(space.path, flag)
        else:
            flags |= flag
    ns.unshare(flags)
    os.setsid()
    if cfg.keyring:
        from ..linux.process import KEY_USR_SETATTR, add_key_permission, join_session_keyring

        # Named and permitted as runc's (its user may also set attributes on it).
        add_key_permission(join_session_keyring("_ses." + cfg.keyring), KEY_USR_SETATTR)
    mntns = spec.linux.namespace("mount") is not None
    if mntns:  # without one, nothing is mounted (runtime.Spec refuses mounts then): the host's table stays as it is
        rootfs.prepare(spec, cfg.rootfs)
        rootfs.mount_all(spec, cfg.rootfs, cfg.cgroup_paths, cgroupns=bool(flags & ns.CLONE_NEWCGROUP))
        devices.create(spec, cfg.rootfs, userns=spec.linux.namespace("user") is not None or ns.in_user_namespace())
    os.makedirs(rootfs.in_root(cfg.rootfs, proc.cwd), 0o755, exist_ok=True)  # Docker's WORKDIR relies on this
    if not joined:
        cfg.channel.expect("joined")  # in every cgroup before hooks see the container and before exec
    h = spec.hooks
    if h.prestart or h.create_runtime or h.create_container or h.start_container:
        import json
        import subprocess  # noqa: F401 - hooks run from here after pivot_root too, when the host's stdlib is gone

        from . import hooks

        # The parent runs prestart and createRuntime in the runtime's namespaces, then answers with
        # the state document; createContainer hooks run here, in the container's namespaces.
        cfg.channel.send("hooks")
        word, _, state = cfg.channel.recv().partition(" ")
        if word != "go":
            raise RuntimeError(f"init: expected 'go' from the runtime, got {word!r}")
        cfg.hook_state = json.loads(state)
        hooks.run(h.create_container, cfg.hook_state, "createContainer")
    # After the switch the host's files are gone, Python's standard library with them: import now.
    import resource  # noqa: F401

    if proc.terminal:
        import fcntl, socket, struct, termios  # noqa: F401, E401

        from .console import setup_slave
    fds = None
    if not mntns:
        from ..linux.capabilities import last_cap

        last_cap()  # read (and cached) while /proc is reachable: the rootfs has no /proc mounted
        fds = os.listdir("/proc/self/fd")  # likewise
        cfg.proc_fd = os.open("/proc", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)  # for the exec fifo; closed before exec
        rootfs.chroot(cfg.rootfs)  # pivot_root would move the host's root: runc chroots too
    else:
        (rootfs.move_root if cfg.no_pivot else rootfs.pivot)(cfg.rootfs)
        rootfs.apply_root_propagation(spec)
    if proc.terminal:
        setup_slave(cfg.console_fd, proc.console_size)
    if spec.hostname:
        ns.sethostname(spec.hostname)
    if spec.domainname:
        ns.setdomainname(spec.domainname)
    for key, value in spec.linux.sysctl.items():
        with open("/proc/sys/" + key.replace(".", "/"), "w") as f:
            f.write(value)
    for path in spec.linux.readonly_paths:
        rootfs.readonly_path(path)
    for path in spec.linux.masked_paths:
        rootfs.mask_path(path)
    if spec.root.readonly:
        rootfs.readonly_root()
    _limits(proc)
    if spec.linux.personality:
        from ..linux.process import set_personality

        set_personality(spec.linux.personality)
    _close_inherited(cfg.preserve_fds, fds)
    return become_with_seccomp(proc, env, cfg.seccomp)


def become_with_seccomp(proc: Process, env: dict[str, str], filt) -> str:
    """Load the seccomp filter as late as the kernel allows (cf. runc standard_init_linux.go): after
    no_new_privs when the process gets it; otherwise before capabilities drop, while CAP_SYS_ADMIN
    still permits loading a filter."""
    if filt is not None and not proc.no_new_privileges:
        filt.load()
    path = become(proc, env)
    if filt is not None and proc.no_new_privileges:
        filt.load()
    return path


def _limits(proc: Process) -> None:
    import resource  # already loaded before pivot_root

    for rl in proc.rlimits:
        kind = getattr(resource, rl.type, None)
        if kind is None:
            raise ValueError(f"unknown rlimit {rl.type}")
        try:
            # the spec's uint64 2**64-1 is RLIM_INFINITY, which Python spells -1
            resource.setrlimit(kind, tuple(resource.RLIM_INFINITY if v >= 2**63 else v for v in (rl.soft, rl.hard)))
        except (ValueError, OSError) as e:
            raise OSError(f"setrlimit {rl.type} {rl.soft}/{rl.hard}: {e}") from None
    if proc.oom_score_adj is not None:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write(str(proc.oom_score_adj))
    if proc.user.umask is not None:
        os.umask(proc.user.umask)


def _close_inherited(preserve: int = 0, names: list[str] | None = None) -> None:
    """Descriptors above stderr (and above those --preserve-fds passes on, which become inheritable) must
    not reach the container (runc: CloseExecFrom(3 + preserve)). `names`: /proc/self/fd listed earlier."""
    for fd in range(3, 3 + preserve):
        os.set_inheritable(fd, True)
    for name in os.listdir("/proc/self/fd") if names is None else names:
        fd = int(name)
        if fd > 2 + preserve:
            try:
                os.set_inheritable(fd, False)
            except OSError:
                pass


def environ(proc: Process) -> dict[str, str]:
    env = {}
    for item in proc.env:
        key, _, value = item.partition("=")
        env[key] = value
    return env
