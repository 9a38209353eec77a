"""minidockerd: the Engine API daemon (cf. moby cmd/dockerd/daemon.go).

    minidockerd [--runtime NAME] [--debug] [--host unix://PATH | tcp://ADDR:PORT] [--log-file PATH]

Listens on paths.api_socket() (mode 0660, group `minidocker`, made if missing), no TCP unless a
tcp:// host is given. State lives under paths.state_dir() (MINIDOCKER_ROOT relocates it). SIGTERM and
SIGINT stop the daemon and leave containers running (live restore picks them up at the next start).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading

from .. import paths


def _ensure_group(name: str = "minidocker") -> None:
    import grp

    try:
        grp.getgrnam(name)
    except KeyError:
        if os.geteuid() == 0:
            subprocess.run(["groupadd", "--system", name], capture_output=True)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="minidockerd", description="the minidocker Engine API daemon")
    p.add_argument("--runtime", default="minirunc", help="OCI runtime for containers (minirunc, runc, crun, or a path)")
    p.add_argument("--debug", "-D", action="store_true", help="debug logging")
    p.add_argument("--host", "-H", action="append", default=[], help="unix://PATH or tcp://ADDR:PORT (repeatable)")
    p.add_argument("--log-file", default="", help="log here instead of stderr")
    p.add_argument("--group", "-G", default="minidocker", help="group owning the API socket")
    return p.parse_args(argv)


def _restrict_state() -> None:
    """The state root and the containers' directories closed to other users, old installs included
    (cf. moby setupDaemonRoot: 0710 roots since CVE-2021-41091)."""
    state = paths.restrict(paths.state_dir(), paths.STATE_MODE)
    containers = paths.restrict(state / "containers", paths.CONTAINERS_MODE)
    for name in ("image", "volumes"):
        paths.restrict(state / name, paths.PRIVATE_MODE)
    for cdir in containers.iterdir():
        if cdir.is_dir() and not cdir.is_symlink():
            os.chmod(cdir, paths.PRIVATE_MODE)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    from ..linux.process import set_name

    try:
        set_name("minidockerd")
    except OSError:
        pass
    from .. import trace

    trace.set_role("dockerd")
    handler: logging.Handler
    if args.log_file:
        os.makedirs(os.path.dirname(os.path.abspath(args.log_file)), exist_ok=True)
        handler = logging.FileHandler(args.log_file)
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO, handlers=[handler])
    log = logging.getLogger("minidockerd")
    for noisy in ("pyroute2", "grpc"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from .api import containers, exec, system, volumes  # noqa: F401 - registering routes
    from .api import server as srv

    for optional in ("images", "build", "distribution", "networks"):
        try:
            __import__(f"minidocker.dockerd.api.{optional}")
        except ImportError as err:
            log.debug("no %s routes: %s", optional, err)
    from .daemon import Daemon

    paths.run_dir().mkdir(parents=True, exist_ok=True)
    _restrict_state()
    if paths.rootless():  # the user's engine: the socket is the user's alone, in a 0700 directory (dockerd-rootless)
        args.group = None
    else:
        _ensure_group(args.group)
    daemon = Daemon(runtime=args.runtime, debug=args.debug)
    daemon.boot()

    servers = []
    hosts = args.host or [f"unix://{paths.api_socket()}"]
    for host in hosts:
        if host.startswith("tcp://"):
            addr, _, port = host[len("tcp://"):].rpartition(":")
            servers.append(srv.TCPAPIServer((addr or "127.0.0.1", int(port or 2375)), daemon, daemon.version))
            log.warning("listening on %s without TLS: anyone who reaches it controls the host", host)
        else:
            path = host[len("unix://"):] if host.startswith("unix://") else host
            servers.append(srv.listen_unix(path, daemon, daemon.version, args.group))
    stop = threading.Event()

    def on_signal(signum, frame):  # noqa: ARG001
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for s in servers:
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True).start()
    pidfile = paths.run_dir() / "minidockerd.pid"
    pidfile.write_text(f"{os.getpid()}\n")
    log.info("minidockerd %s listening on %s (runtime %s)", daemon.version, ", ".join(hosts), args.runtime)
    stop.wait()
    for s in servers:
        s.shutdown()
        s.server_close()
    daemon.shutdown()
    for host in hosts:
        if not host.startswith("tcp://"):
            try:
                os.unlink(host[len("unix://"):] if host.startswith("unix://") else host)
            except OSError:
                pass
    try:
        pidfile.unlink()
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
