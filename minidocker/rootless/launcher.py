"""Starting an ordinary user's engine in a user, mount and network namespace of its own (cf. rootlesskit
pkg/parent/parent.go and pkg/child/child.go, run by dockerd-rootless.sh; podman's pkg/rootless).

The parent (the user's `minidocker daemon start`) forks a child that unshares a user namespace; the parent
maps it with newuidmap/newgidmap (Debian's uidmap, setuid root: they check /etc/subuid and /etc/subgid):
the user's own uid is root inside, their subordinate ids are 1.. inside. A user without subordinate ids
gets their own uid alone (as rootless podman), with a warning. The child, now root of that namespace,
makes a mount namespace (the engine's overlay and container mounts stay out of the host's) and a network
namespace (dockerd's bridge, veths and NAT live there, as in rootless Docker), which slirp4netns, run by
the parent, joins to the host through a tap device. The child starts minicontainerd and minidockerd and
stays as the holder of the namespaces; a later `daemon start` enters them (setns) when the daemons are gone.
Nothing here is setuid: the user has no power beyond their own uid and the ids /etc/subuid grants them.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

from .. import paths
from . import subids

HOLDER_NAME = "minidocker-rootless"  # the holder's process name (prctl PR_SET_NAME), as rootlesskit's


def holder_pidfile() -> Path:
    return paths.run_dir() / "rootlesskit.pid"


def holder_pid() -> int | None:
    """The pid of this user's namespace holder, if it lives."""
    try:
        pid = int(holder_pidfile().read_text().split()[0])
        stat = Path(f"/proc/{pid}/stat").read_text()
        # A killed holder not yet reaped (a zombie, state Z) still has its name but no namespaces to enter.
        if stat[stat.index("(") + 1:stat.rindex(")")] == HOLDER_NAME[:15] and stat[stat.rindex(")") + 2] != "Z":
            return pid
    except (OSError, ValueError, IndexError):
        pass
    return None


def private_dir(path: Path) -> Path:
    """Make `path` 0700 and make sure it is ours: /tmp/minidocker-$UID could be made first by another user
    to catch our socket (dockerd-rootless.sh refuses the same way)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
        raise PermissionError(f"{path} is not a directory of uid {os.geteuid()}: refusing to put the engine there")
    os.chmod(path, 0o700)
    return path


def start(warn: Callable[[str], None], start_daemons: Callable[[], int]) -> int:
    """`daemon start` for an ordinary user: into the existing namespaces, or new ones."""
    private_dir(paths.run_dir())
    private_dir(paths.state_dir())
    _join_cgroup(warn)
    holder = holder_pid()
    if holder is not None:
        return _in_namespaces(holder, start_daemons)
    return _launch(warn, start_daemons)


def _join_cgroup(warn: Callable[[str], None]) -> None:
    """Into the cgroup subtree root delegated to this user, if any, before anything of the engine is forked
    (its daemons, shims and containers follow); its path is named to the daemons (paths.rootless_cgroup)."""
    from . import cgroups

    os.environ.pop(paths.ENV_CGROUP, None)
    rel = cgroups.find(os.getuid())
    if rel is None:
        return
    try:
        cgroups.join_engine(rel)
    except (cgroups.NotDelegated, OSError) as e:
        warn(f"minidocker: cgroup limits off: {e}")
        return
    os.environ[paths.ENV_CGROUP] = rel


def _in_namespaces(holder: int, start_daemons: Callable[[], int]) -> int:
    """Start the daemons inside the holder's namespaces (its user namespace first: it owns the others)."""
    from ..linux import namespaces as ns

    child = os.fork()
    if child == 0:
        code = 1
        try:
            for name, flag in (("user", ns.CLONE_NEWUSER), ("mnt", ns.CLONE_NEWNS), ("net", ns.CLONE_NEWNET)):
                ns.setns(f"/proc/{holder}/ns/{name}", flag)
            _daemon_env(_host_uid())
            code = start_daemons()
        except BaseException as e:  # noqa: BLE001 - the child must never return into the CLI
            print(f"minidocker: entering the rootless engine's namespaces: {e}", file=sys.stderr)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])


def _daemon_env(uid: int) -> None:
    """What the daemons need whoever started them: the user's uid named, and the sbin directories on PATH
    (iptables, ip: a learner's PATH, a spawner's, often lacks them; systemd's units for dockerd set them)."""
    os.environ[paths.ENV_ROOTLESS] = str(uid)
    path = os.environ.get("PATH", "/usr/bin:/bin").split(":")
    os.environ["PATH"] = ":".join(path + [d for d in ("/usr/local/sbin", "/usr/sbin", "/sbin") if d not in path])


def _host_uid() -> int:
    return int(os.environ.get(paths.ENV_ROOTLESS) or os.geteuid())


def _launch(warn: Callable[[str], None], start_daemons: Callable[[], int]) -> int:
    uid, gid = os.getuid(), os.getgid()
    uranges, granges = subids.ranges(uid, subids.SUBUID), subids.ranges(uid, subids.SUBGID)
    if not uranges or not granges:
        warn(f"minidocker: no subordinate ids for uid {uid} in {subids.SUBUID} and {subids.SUBGID} (a line "
             f"such as '{subids.missing_line(uid)}' in each, see subuid(5)): the engine maps your own uid alone, "
             f"so images with files of other owners cannot be unpacked")
    down_r, down_w = os.pipe()
    up_r, up_w = os.pipe()
    exit_r, exit_w = os.pipe()  # slirp4netns exits when the holder (keeping exit_w) is gone
    child = os.fork()
    if child == 0:
        for fd in (down_w, up_r, exit_r):
            os.close(fd)
        _child(down_r, up_w, exit_w, uid, bool(uranges and granges), start_daemons)
    for fd in (down_r, up_w, exit_w):
        os.close(fd)
    up, down = os.fdopen(up_r, "r"), os.fdopen(down_w, "w")
    try:
        if up.readline().strip() != "unshared":
            raise RuntimeError("the namespace child died before unsharing")
        _map(child, uid, gid, uranges, granges)
        down.write("mapped\n")
        down.flush()
        if up.readline().strip() != "netns":
            raise RuntimeError("the namespace child died making its namespaces")
        _slirp(child, exit_r)
        down.write("net\n")
        down.flush()
        said = up.readline().strip()
    except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        warn(f"minidocker: starting the rootless engine: {e}")
        return 1
    finally:
        os.close(exit_r)
    if said != "ok":
        os.waitpid(child, 0)
        return 1
    return 0


def _map(child: int, uid: int, gid: int, uranges: list, granges: list) -> None:
    """The child's uid_map and gid_map: through the setuid helpers when ranges are granted, else our ids alone
    (an unprivileged process may map its own id, with setgroups denied: user_namespaces(7))."""
    if uranges and granges:
        for helper, own, granted in (("newuidmap", uid, uranges), ("newgidmap", gid, granges)):
            exe = shutil.which(helper) or f"/usr/bin/{helper}"
            done = subprocess.run([exe, str(child), *subids.map_args(own, granted)], capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"{helper} failed: {done.stderr.strip() or done.returncode}")
        return
    Path(f"/proc/{child}/setgroups").write_text("deny")
    Path(f"/proc/{child}/uid_map").write_text(f"0 {uid} 1\n")
    Path(f"/proc/{child}/gid_map").write_text(f"0 {gid} 1\n")


def _slirp(child: int, exit_r: int) -> None:
    """slirp4netns joins the child's network namespace to the host's (tap0, 10.0.2.100/24, the host's
    loopback at 10.0.2.2), as rootlesskit's slirp4netns network driver; its API socket adds port forwards."""
    exe = shutil.which("slirp4netns")
    if exe is None:
        print("minidocker: slirp4netns not found (Debian's slirp4netns): the engine's network has no way out",
              file=sys.stderr)
        return
    ready_r, ready_w = os.pipe()
    api = paths.run_dir() / "slirp4netns.sock"
    api.unlink(missing_ok=True)
    log = open(paths.state_dir() / "slirp4netns.log", "ab")
    try:
        subprocess.Popen([exe, "--configure", "--mtu=65520", f"--api-socket={api}", f"--exit-fd={exit_r}",
                          f"--ready-fd={ready_w}", str(child), "tap0"], pass_fds=(exit_r, ready_w),
                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        log.close()
        os.close(ready_w)
    ok = os.read(ready_r, 1)
    os.close(ready_r)
    if ok != b"1":
        raise RuntimeError(f"slirp4netns did not come up (see {paths.state_dir() / 'slirp4netns.log'})")


def _child(down_r: int, up_w: int, exit_w: int, uid: int, ranged: bool, start_daemons: Callable[[], int]) -> None:
    """In the fork: unshare, wait for the maps, become root inside, make the mount and network namespaces,
    start the daemons, then hold the namespaces (reaping the daemons) until told to stop."""
    from ..linux import mount as mnt
    from ..linux import namespaces as ns
    from ..linux import process

    code = 1
    up, down = os.fdopen(up_w, "w"), os.fdopen(down_r, "r")
    try:
        os.setsid()
        ns.unshare(ns.CLONE_NEWUSER)
        up.write("unshared\n")
        up.flush()
        if down.readline().strip() != "mapped":
            os._exit(1)
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
        if ranged:
            os.setgroups([0])
        ns.unshare(ns.CLONE_NEWNS | ns.CLONE_NEWNET)
        mnt.mount(None, "/", None, mnt.MS_REC | mnt.MS_PRIVATE)  # nothing we mount propagates to the host
        _own_sysfs(mnt)
        subprocess.run([shutil.which("ip") or "/sbin/ip", "link", "set", "lo", "up"], check=True)
        up.write("netns\n")
        up.flush()
        if down.readline().strip() != "net":
            os._exit(1)
        _daemon_env(uid)
        process.set_name(HOLDER_NAME)
        code = start_daemons()
        if code == 0:
            holder_pidfile().write_text(f"{os.getpid()}\n")
        sys.stdout.flush()
        up.write("ok\n" if code == 0 else "fail\n")
        up.flush()
        up.close()
    except BaseException as e:  # noqa: BLE001 - the fork must never return into the CLI
        print(f"minidocker: rootless engine: {e}", file=sys.stderr)
        sys.stderr.flush()
        os._exit(1)
    if code != 0:
        os._exit(code)
    _hold()


def _own_sysfs(mnt: Any) -> None:
    """A sysfs of our network namespace at /sys (the bridge code reads /sys/class/net), the host's cgroup
    trees kept beneath it, as rootlesskit's child does."""
    cgroups = os.open("/sys/fs/cgroup", os.O_PATH | os.O_DIRECTORY)
    try:
        mnt.mount("sysfs", "/sys", "sysfs", mnt.MS_NOSUID | mnt.MS_NOEXEC | mnt.MS_NODEV)
        mnt.mount(f"/proc/self/fd/{cgroups}", "/sys/fs/cgroup", None, mnt.MS_BIND | mnt.MS_REC)
    finally:
        os.close(cgroups)


def _hold() -> None:
    """Keep the namespaces: reap the daemons this process started, exit on SIGTERM."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:
        try:
            os.wait()
        except ChildProcessError:
            signal.pause()
        except InterruptedError:
            pass


def stop_holder() -> str | None:
    """Stop the holder unless containers still live in its user namespace (their shims keep it): a message."""
    holder = holder_pid()
    if holder is None:
        return None
    try:
        own = os.stat(f"/proc/{holder}/ns/user").st_ino
    except OSError:
        return None
    others = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != holder:
            try:
                if os.stat(f"/proc/{entry}/ns/user").st_ino == own:
                    others.append(int(entry))
            except OSError:
                continue
    if others:
        return f"{HOLDER_NAME} (pid {holder}) kept: {len(others)} container processes still run in its namespaces"
    os.kill(holder, signal.SIGTERM)
    holder_pidfile().unlink(missing_ok=True)
    return f"{HOLDER_NAME} (pid {holder}) stopped"
