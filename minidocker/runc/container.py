"""A container's lifecycle: create (init waits on the exec fifo), start, kill, delete, run
(cf. runc libcontainer/container_linux.go, factory_linux.go, and runc's create.go / start.go / delete.go).

`create` forks the init after unsharing CLONE_NEWPID, so the init is PID 1 of its own pid namespace,
waits for it to say "ready", records state.json and returns; the init then belongs to whoever adopts
orphans (the shim, as PR_SET_CHILD_SUBREAPER, or the host's init). No runtime process stays behind.
"""

from __future__ import annotations

import os
import _signal as signal  # the C module: the signal package imports enum (~3 ms a run)
import time

from .. import jsonfast, trace
from ..errors import Conflict, InvalidArgument, NotFound, RuntimeFailure
from ..linux import namespaces as ns
from ..linux import process
from ..linux.atomicfile import write_atomic
from ..oci import runtime
from . import cgroups, hooks, resources
from .state import EXEC_FIFO, State, Status, check_id
from .sync import Channel

WAIT_SECONDS = 10


def _now() -> str:
    """RFC 3339 with nanoseconds in UTC, as runc's Go time.RFC3339Nano writes it."""
    t = time.time_ns()
    frac = f"{t % 1_000_000_000:09d}".rstrip("0")
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t // 1_000_000_000)) + (f".{frac}" if frac else "") + "Z"


def _write_pid_file(path: str, pid: int) -> None:
    write_atomic(os.path.abspath(path), str(pid).encode(), durable=False)


def _remove_dir(directory: str) -> None:
    """Remove a container's state directory; a concurrent delete may have removed parts already."""
    try:
        for name in os.listdir(directory):
            try:
                os.unlink(os.path.join(directory, name))
            except FileNotFoundError:
                pass
        os.rmdir(directory)
    except FileNotFoundError:
        pass


class Bundle:
    """A bundle read once: the raw config.json (kept for exec), its typed Spec, the rootfs directory."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self.raw = runtime.load_raw(os.path.join(self.path, "config.json"))
        self.spec, self.rootfs = _check_bundle(self.path, runtime.Spec(self.raw))


def _check_bundle(bundle: str, spec: runtime.Spec) -> tuple[runtime.Spec, str]:
    if spec.process is None:
        raise InvalidArgument("config.json: process is required by create")
    rootfs = os.path.realpath(os.path.join(bundle, spec.root.path))
    if not os.path.isdir(rootfs):
        raise InvalidArgument(f"rootfs ({rootfs}) does not exist")
    return spec, rootfs


def create(root: str, cid: str, bundle: str | Bundle, pid_file: str | None = None, console_socket: str | None = None,
           no_pivot: bool = False, console_fd: int | None = None, warn=None, new_keyring: bool = True,
           preserve_fds: int = 0, debug=None) -> State:
    """Create the container and return once its init waits on the exec fifo (runc create)."""
    check_id(cid)
    phases = trace.Phases("create: ")
    b = bundle if isinstance(bundle, Bundle) else Bundle(bundle)
    bundle, spec, rootfs = b.path, b.spec, b.rootfs
    for path in spec.ignored if debug else ():
        debug(f"config.json: unknown property {path} ignored")
    if spec.process.terminal and console_socket is None and console_fd is None:
        raise InvalidArgument("cannot allocate tty if runc will detach without setting console socket")
    if console_socket and not spec.process.terminal:
        raise InvalidArgument("cannot use console socket if runc will not detach or allocate tty")
    seccomp = None
    if spec.linux.seccomp is not None:
        from .seccomp import program, validate

        validate(spec.linux.seccomp)
        seccomp = program(spec.linux.seccomp, root)  # here: the init cannot reach libseccomp after pivot_root
    notes = spec.unenforced()
    if spec.linux.resources.kernel_memory:
        notes.append("Kernel memory settings are ignored and will be removed")  # runc 1.1's words and stance
    for message in notes:
        if warn:
            warn(message)
    os.makedirs(root, 0o700, exist_ok=True)
    phases.mark("config.json, seccomp")
    directory = os.path.join(root, cid)
    try:
        os.mkdir(directory, 0o711)
    except FileExistsError:
        raise Conflict(f"container with id exists: {cid}") from None
    paths: dict[str, str] = {}
    made: list[str] = []
    pid = 0
    try:
        fifo = os.path.join(directory, EXEC_FIFO)
        os.mkfifo(fifo, 0o622)
        os.chmod(fifo, 0o622)  # whatever the umask: the init may write to it as a non-root user
        fifo_fd = os.open(fifo, os.O_PATH | os.O_CLOEXEC)
        paths = cgroups.resolve(spec.linux.cgroups_path, cid)
        from ..linux.namespaces import in_user_namespace

        rootless = os.geteuid() != 0 or in_user_namespace()  # runc's --rootless auto: not root, or root of a user namespace
        made = cgroups.create(paths, rootless)
        if rootless:
            cgroups.refuse_missing(paths, spec.linux.resources)
        resources.enable_v2_controllers(paths)
        from .devices import allow_entries

        resources.apply(paths, spec.linux.resources, allow_entries(spec))
        phases.mark("cgroups")
        if console_socket:
            from .console import connect

            console_fd = connect(console_socket)
        pid, channel = _fork_init(spec, rootfs, paths, fifo_fd, console_fd, no_pivot,
                                  cid if new_keyring else None, preserve_fds, seccomp)
        phases.mark("fork the init")
        state = State(directory, {
            "id": cid, "pid": pid, "starttime": process.start_time(pid), "bundle": bundle, "rootfs": rootfs,
            "created": _now(), "annotations": spec.annotations, "cgroup_paths": paths, "cgroup_made": made,
            "process": b.raw.get("process") or {}, "seccomp": spec.linux.seccomp, "personality": spec.linux.personality,
            "hooks": {"poststart": hooks.as_raw(spec.hooks.poststart), "poststop": hooks.as_raw(spec.hooks.poststop)},
        })
        _await_ready(state, spec, channel)
        phases.mark("init ready (namespaces, mounts, pivot_root)")
        state.save()
        if pid_file:
            _write_pid_file(pid_file, pid)
        return state
    except BaseException:
        if pid:
            _kill_and_reap(pid)
        cgroups.remove(made, paths)
        _remove_dir(directory)
        raise


def _fork_init(spec, rootfs, paths, fifo_fd, console_fd, no_pivot, keyring, preserve_fds,
               seccomp=None) -> tuple[int, Channel]:
    from ..linux.process import set_dumpable
    from . import init

    parent, child = Channel.pair()
    # Inside a rootless engine's user namespace the host pid namespace is not ours to setns back into
    # (that needs CAP_SYS_ADMIN over it): a first child makes the pid namespace instead, as with a user namespace.
    if needs_first_child(spec) or (spec.linux.namespace("pid") and ns.in_user_namespace()):
        return _fork_init_userns(spec, rootfs, paths, fifo_fd, console_fd, no_pivot, keyring, preserve_fds,
                                 parent, child, seccomp)
    # The init stays this Python until it execs the container's program, visible to whoever shares
    # its pid namespace: off, its /proc/PID/exe cannot be opened without CAP_SYS_PTRACE (CVE-2019-5736;
    # runc's nsexec does the same). A fork inherits it; the init's execve turns it back on.
    set_dumpable(False)
    pidns = spec.linux.namespace("pid")
    if pidns:
        # Only the children of the caller enter the new pid namespace; the caller itself never moves.
        if pidns.path:
            ns.setns(pidns.path, ns.CLONE_NEWPID)
        else:
            ns.unshare(ns.CLONE_NEWPID)
    pid = os.fork()
    if pid == 0:
        parent.close()
        init.main(init.InitConfig(spec, rootfs, paths, fifo_fd, child, console_fd, no_pivot, keyring, preserve_fds,
                                  seccomp))
        os._exit(1)
    if pidns:
        ns.setns("/proc/self/ns/pid", ns.CLONE_NEWPID)  # later children (hooks) stay in our namespace
    child.close()
    os.close(fifo_fd)
    if console_fd is not None:
        os.close(console_fd)
    try:
        # The parent joins the init to its cgroups (as runc does) while the init builds its mounts: the
        # kernel's first cgroup attach after a quiet spell waits an RCU grace period, now in parallel.
        cgroups.join(paths, pid)
        parent.send("joined")
    except BaseException as e:
        _kill_and_reap(pid)  # a dead init is reaped now, so whatever it said is all in the pipe
        said = parent.recv()
        parent.close()
        if said.startswith("error "):  # the init failed first (the join then found no such process)
            raise RuntimeFailure(said[6:]) from None
        raise e
    return pid, parent


def needs_first_child(spec: runtime.Spec) -> bool:
    """A user namespace, or a new time namespace: a first child makes them and forks the init (userns.py)."""
    time_ns = spec.linux.namespace("time")
    return spec.linux.namespace("user") is not None or (time_ns is not None and not time_ns.path)


def _fork_init_userns(spec, rootfs, paths, fifo_fd, console_fd, no_pivot, keyring, preserve_fds, parent,
                      child, seccomp=None) -> tuple[int, Channel]:
    """Two steps, as runc's nsexec: a first child enters the user (and time) namespace and forks the init (userns.py)."""
    from . import init, userns

    def start_init() -> None:
        init.main(init.InitConfig(spec, rootfs, paths, fifo_fd, child, console_fd, no_pivot, keyring, preserve_fds,
                                  seccomp))
        os._exit(1)

    from ..linux.process import set_child_subreaper

    # The init comes back to us when the first child exits: our child while `create` runs (and what
    # `run` waits for), as runc's, whose nsexec clones it with CLONE_PARENT; the shim adopts it after we exit.
    set_child_subreaper()
    first = os.fork()
    if first == 0:
        parent.close()
        userns.stage_one(spec, child, start_init)
    child.close()
    os.close(fifo_fd)
    if console_fd is not None:
        os.close(console_fd)
    pid = 0
    try:
        said = parent.recv()
        if said == "userns":
            userns.write_maps(first, spec)
            parent.send("mapped")
            said = parent.recv()
        if not said.startswith("pid "):
            raise RuntimeFailure(said[6:] if said.startswith("error ") else "user namespace: the first child died")
        pid = int(said[4:])
        cgroups.join(paths, pid)
        parent.send("joined")
    except BaseException:
        _kill_and_reap(first)
        if pid:
            _kill_and_reap(pid)
        parent.close()
        raise
    os.waitpid(first, 0)
    return pid, parent


def _await_ready(state: State, spec: runtime.Spec, channel: Channel) -> None:
    try:
        message = channel.recv()
        if message == "hooks":
            # After step 2 of the lifecycle, before the user's program: "created" (state.md), with the
            # init's pid as the host sees it; the init gets the same document for the hooks it runs.
            hook_state = {**state.oci(), "status": Status.CREATED.value, "pid": state.pid}
            hooks.run(spec.hooks.prestart, hook_state, "prestart")
            hooks.run(spec.hooks.create_runtime, hook_state, "createRuntime")
            channel.send("go " + jsonfast.dumps(hook_state))
            message = channel.recv()
    finally:
        channel.close()
    if message != "ready":
        raise RuntimeFailure(message[6:] if message.startswith("error ") else "container init exited before it was ready")


def _kill_and_reap(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def start(root: str, cid: str, warn=None) -> State:
    """Release the waiting init: opening the exec fifo for reading completes its blocked open for writing."""
    state = State.load(root, cid)
    state.require("start")
    fifo = os.path.join(state.directory, EXEC_FIFO)
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        pidfd = os.pidfd_open(state.pid)  # readable once the init exits
    except OSError:  # already gone (the loop below says so), or a kernel without pidfds (< 5.3)
        pidfd = -1
    try:
        _await_exec_fifo(state, cid, fd, pidfd)
    finally:
        os.close(fd)
        if pidfd >= 0:
            os.close(pidfd)
    if trace.directory():  # the container's row starts here: its init goes on to exec the process
        now = time.monotonic_ns()
        trace.emit("released (exec)", now, now, role="container", pid=state.pid)
    os.unlink(fifo)
    if state.data["hooks"]["poststart"]:
        # runtime-spec 1.0.2 step 9: a failing poststart hook is a warning; the container keeps running.
        hook_state = {**state.oci(), "status": Status.RUNNING.value, "pid": state.pid}
        hooks.run(hooks.from_raw(state.data["hooks"]["poststart"]), hook_state, "poststart", warn=warn or _ignore)
    return state


def _await_exec_fifo(state: State, cid: str, fd: int, pidfd: int) -> None:
    """Until the init's byte arrives on the exec fifo (its blocked open completed when we opened the read
    end): poll(2) wakes when it is written, or when the init exits first (its pidfd), not on a timer."""
    import select

    poller = select.poll()
    poller.register(fd, select.POLLIN)
    if pidfd >= 0:
        poller.register(pidfd, select.POLLIN)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            data = os.read(fd, 1)
            if data:
                return
            poller.unregister(fd)  # end of file without the byte: only the init's exit can come now
        except (BlockingIOError, KeyError):
            pass
        if not state.alive():
            # A short-lived process can be released, run and be reaped between two reads: its byte
            # is still in the fifo, and then it did start.
            try:
                if os.read(fd, 1):
                    return
            except BlockingIOError:
                pass
            raise RuntimeFailure(f"container {cid}: init exited before start")
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeFailure(f"container {cid}: init did not answer on the exec fifo")
        poller.poll(1000 * (left if pidfd >= 0 else min(left, 0.01)))


def _ignore(message: str) -> None:
    pass


def pause(root: str, cid: str) -> None:
    """Freeze every process of the container (runc pause): status paused until resume."""
    from .freezer import freeze

    state = State.load(root, cid)
    state.require("pause")
    freeze(state.data["cgroup_paths"], True)


def resume(root: str, cid: str) -> None:
    from .freezer import freeze

    state = State.load(root, cid)
    state.require("resume")
    freeze(state.data["cgroup_paths"], False)


def update(root: str, cid: str, raw_resources: dict) -> None:
    """Change the limits of a live container (runc update; `docker update` ends here)."""
    state = State.load(root, cid)
    state.require("update")
    resources.apply(state.data["cgroup_paths"], runtime.Resources(raw_resources, "resources"), [])


def kill(root: str, cid: str, sig: int, all_processes: bool = False) -> None:
    state = State.load(root, cid)
    if state.status() is Status.STOPPED:
        raise Conflict(f"container {cid} is not running")
    targets = cgroups.procs(state.data["cgroup_paths"]) if all_processes else [state.pid]
    for pid in targets or [state.pid]:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def delete(root: str, cid: str, force: bool = False, warn=None) -> None:
    """Remove a stopped (or, with force, any) container: its processes, cgroups and state directory."""
    try:
        state = State.load(root, cid)
    except NotFound:
        directory = os.path.join(root, cid)
        if os.path.isdir(directory):  # an aborted create left a directory without state.json
            _remove_dir(directory)
            return
        if force:
            return
        raise
    state.require("delete --force" if force else "delete")
    paths = state.data["cgroup_paths"]
    if state.alive():
        from .freezer import freeze, is_frozen

        if is_frozen(paths):
            freeze(paths, False)  # a frozen task cannot die: thaw it so SIGKILL lands
        deadline = time.monotonic() + WAIT_SECONDS
        _kill_and_await([state.pid] + cgroups.procs(paths), deadline)
        while state.alive() or [p for p in cgroups.procs(paths) if process.state(p) not in (None, "Z")]:
            if time.monotonic() > deadline:
                raise RuntimeFailure(f"container {cid}: processes did not die after SIGKILL")
            time.sleep(0.001)
    cgroups.remove(state.data["cgroup_made"], paths)
    _remove_dir(state.directory)
    if state.data["hooks"]["poststop"]:
        # Step 13: each failing poststop hook is a warning, the later ones still run.
        hook_state = {**state.oci(), "status": Status.STOPPED.value}
        hooks.run(hooks.from_raw(state.data["hooks"]["poststop"]), hook_state, "poststop", warn=warn or _ignore)


def _kill_and_await(pids: list[int], deadline: float) -> None:
    """SIGKILL each process through a pidfd (the very process listed, whatever pids are reused meanwhile)
    and wait in poll(2) until each pidfd says it exited; one without a pidfd is killed by pid (the caller's
    loop then checks /proc for it)."""
    import select

    fds = []
    try:
        for pid in pids:
            try:
                fd = os.pidfd_open(pid)
            except OSError:  # gone already, or a kernel without pidfds
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                continue
            fds.append(fd)
            try:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
            except ProcessLookupError:
                pass
        poller = select.poll()
        for fd in fds:
            poller.register(fd, select.POLLIN)
        waiting = len(fds)
        while waiting and (left := deadline - time.monotonic()) > 0:
            for fd, _ in poller.poll(left * 1000):
                poller.unregister(fd)
                waiting -= 1
    finally:
        for fd in fds:
            os.close(fd)


def wait_exit(pid: int) -> int:
    """Wait for our child the init; its exit code, or 128 + signal as a shell reports a killed process."""
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)
