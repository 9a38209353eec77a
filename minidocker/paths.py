"""Where the engine keeps its state and sockets (cf. dockerd's --data-root and --exec-root).

One environment variable, MINIDOCKER_ROOT, relocates everything so that tests run isolated
and in parallel: state goes to $MINIDOCKER_ROOT/lib and runtime files to $MINIDOCKER_ROOT/run.
Without it, Docker's layout: /var/lib/minidocker and /run/minidocker, or for an ordinary user (a rootless
engine, cf. dockerd-rootless.sh and rootless podman) ~/.local/share/minidocker and
$XDG_RUNTIME_DIR/minidocker (else /tmp/minidocker-$UID). Inside the rootless engine's user namespace the
daemons run as uid 0, so the launcher names the user for them in MINIDOCKER_ROOTLESS (their host uid).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # pathlib is imported on first use: the client, a new process per command, needs only
    from pathlib import Path  # its socket's name (api_socket_name), and pathlib costs it ~1 ms

ENV_ROOT = "MINIDOCKER_ROOT"
ENV_ROOTLESS = "MINIDOCKER_ROOTLESS"
ENV_CGROUP = "MINIDOCKER_ROOTLESS_CGROUP"  # the cgroup subtree delegated to that user, once the launcher joined it


def rootless_uid() -> int | None:
    """The host uid of a rootless engine's user (ours, or the one the launcher named), else None."""
    value = os.environ.get(ENV_ROOTLESS)
    if value:
        return int(value)
    uid = os.geteuid()
    return uid if uid != 0 else None


def rootless() -> bool:
    """True for an ordinary user's engine (and inside its user namespace)."""
    return rootless_uid() is not None


def rootless_cgroup() -> str | None:
    """A rootless engine's delegated cgroup (from each hierarchy's root, e.g. /minidocker-learners/alice), in
    which the launcher put the engine (rootless/cgroups.py); None when no subtree is delegated to the user."""
    value = os.environ.get(ENV_CGROUP)
    return value if value and rootless() else None


def _path(text: str) -> Path:
    from pathlib import Path

    return Path(text)


def root() -> Path | None:
    """The relocation root, or None for the system-wide layout."""
    value = os.environ.get(ENV_ROOT)
    return _path(value) if value else None


def state_dir() -> Path:
    """Persistent state: images, containers, volumes (cf. /var/lib/docker)."""
    base = root()
    if base:
        return base / "lib"
    if rootless():
        data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
        return _path(data) / "minidocker"
    return _path("/var/lib/minidocker")


def run_dir() -> Path:
    """Volatile runtime files: sockets, pid files, fifos (cf. /run/docker)."""
    return _path(_run_dir())


def _run_dir() -> str:
    base = os.environ.get(ENV_ROOT)
    if base:
        return os.path.join(base, "run")
    uid = rootless_uid()
    if uid is not None:
        xdg = os.environ.get("XDG_RUNTIME_DIR")
        return os.path.join(xdg, "minidocker") if xdg else f"/tmp/minidocker-{uid}"
    return "/run/minidocker"


SLIRP_HOST_LOOPBACK = "10.0.2.2"  # slirp4netns's address for the host's 127.0.0.1 (slirp4netns(1))


def host_loopback() -> str | None:
    """Inside a rootless engine's network namespace 127.0.0.1 is the engine's own; the host's loopback (the
    course registry) is slirp4netns's 10.0.2.2. None outside such an engine."""
    if os.environ.get(ENV_ROOTLESS) and (run_dir() / "slirp4netns.sock").exists():
        return SLIRP_HOST_LOOPBACK
    return None


def api_socket() -> Path:
    """The Engine API socket dockerd listens on (cf. /run/docker.sock)."""
    return _path(api_socket_name())


def api_socket_name() -> str:
    """api_socket() as a string, without importing pathlib (what the client dials on every command)."""
    return os.path.join(_run_dir(), "minidocker.sock")


def containerd_socket() -> Path:
    """containerd's gRPC socket (cf. /run/containerd/containerd.sock)."""
    return run_dir() / "containerd.sock"


def runc_root() -> Path:
    """minirunc's state directory, its --root (cf. /run/runc)."""
    return run_dir() / "runc"


def instance_name() -> str:
    """A short name unique to this root, used for cgroup parents and bridge names so roots never collide."""
    base = root()
    if base is None:
        return "minidocker"
    import hashlib

    return "minidocker-" + hashlib.sha256(str(base.resolve()).encode()).hexdigest()[:8]


# Who may enter the engine's directories (cf. moby daemon_unix.go setupDaemonRoot and daemon/create.go
# since the CVE-2021-41091 fix; containerd since CVE-2021-41103): no one but root. An ordinary user
# who could walk into an image layer would run its setuid-root programs; one who could read a
# container's config would read the secrets passed with `-e`.
STATE_MODE = 0o710      # /var/lib/docker: root, and the remapped root group of user namespaces
CONTAINERS_MODE = 0o710  # /var/lib/docker/containers
PRIVATE_MODE = 0o700    # one container's directory, snapshots, content, bundles, runtime state


def restrict(path: Path, mode: int) -> Path:
    """Make `path` (and missing parents) and give it exactly `mode`, also when an older install made
    it wider: the daemons call this on every start, so an existing root is locked down too."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    return path
