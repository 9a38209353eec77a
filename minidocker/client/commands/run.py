"""`minidocker run` and `create`: the docker CLI's call sequence, create -> (pull) -> wait -> attach -> start (cf. docker/cli cli/command/container/run.go, create.go).

wait is sent before attach and start so that a container that exits at once cannot be missed; with
--rm it waits for `removed`, else for `next-exit`. -d still sends the wait and hangs up after start.
"""

from __future__ import annotations

import sys

from ... import trace
from .. import config as cfg
from ..errors import APIError
from ..flags import REMAINDER

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any

NOT_FOUND_127 = ("executable file not found", "no such file or directory", "system cannot find the file specified")
CANNOT_INVOKE_126 = ("permission denied", "is a directory")
WAIT_HEAD_TIMEOUT = 2.0  # dockerd answers wait's head at once; never block on a daemon that does not


def _container_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-i", "--interactive", action="store_true", help="Keep STDIN open even if not attached")
    p.add_argument("-t", "--tty", action="store_true", help="Allocate a pseudo-TTY")
    p.add_argument("--name", help="Assign a name to the container")
    p.add_argument("-e", "--env", action="append", default=[], help="Set environment variables")
    p.add_argument("--env-file", action="append", default=[], help="Read in a file of environment variables")
    p.add_argument("-v", "--volume", action="append", default=[], help="Bind mount a volume")
    p.add_argument("-p", "--publish", action="append", default=[], help="Publish a container's port(s) to the host")
    p.add_argument("--expose", action="append", default=[], help="Expose a port or a range of ports")
    p.add_argument("-w", "--workdir", default="", help="Working directory inside the container")
    p.add_argument("-u", "--user", default="", help="Username or UID (format: <name|uid>[:<group|gid>])")
    p.add_argument("--entrypoint", help="Overwrite the default ENTRYPOINT of the image")
    p.add_argument("-h", "--hostname", default="", help="Container host name")
    p.add_argument("-m", "--memory", help="Memory limit")
    p.add_argument("--cpus", help="Number of CPUs")
    p.add_argument("--cpuset-cpus", default="", help="CPUs in which to allow execution (0-3, 0,1)")
    p.add_argument("--cpuset-mems", default="", help="MEMs in which to allow execution (0-3, 0,1)")
    p.add_argument("--pids-limit", type=int, default=0, help="Tune container pids limit (set -1 for unlimited)")
    p.add_argument("--network", "--net", default="default", help="Connect a container to a network")
    p.add_argument("--network-alias", action="append", default=[], help="Add network-scoped alias for the container")
    p.add_argument("--ip", default="", help="IPv4 address (e.g., 172.30.100.104)")
    p.add_argument("--read-only", action="store_true", help="Mount the container's root filesystem as read only")
    p.add_argument("--cap-add", action="append", default=[], help="Add Linux capabilities")
    p.add_argument("--cap-drop", action="append", default=[], help="Drop Linux capabilities")
    p.add_argument("--security-opt", action="append", default=[], help="Security Options")
    p.add_argument("--runtime", help="Runtime to use for this container")
    p.add_argument("-l", "--label", action="append", default=[], help="Set meta data on a container")
    p.add_argument("--privileged", action="store_true", help="Give extended privileges to this container")
    p.add_argument("--restart", default="no", help="Restart policy to apply when a container exits")
    p.add_argument("--init", action="store_true", help="Run an init inside the container that forwards signals and reaps processes")
    p.add_argument("--volumes-from", action="append", default=[], help="Mount volumes from the specified container(s)")
    p.add_argument("--link", action="append", default=[], help="Add link to another container")
    p.add_argument("--log-driver", default="", help="Logging driver for the container")
    p.add_argument("--log-opt", action="append", default=[], help="Log driver options")
    p.add_argument("--detach-keys", default="", help="Override the key sequence for detaching a container")
    p.add_argument("--rm", action="store_true", help="Automatically remove the container when it exits")
    p.add_argument("--mount", action="append", default=[], help="Attach a filesystem mount to the container")
    p.add_argument("--tmpfs", action="append", default=[], help="Mount a tmpfs directory")
    p.add_argument("--shm-size", help="Size of /dev/shm")
    p.add_argument("--memory-swap", help="Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
    p.add_argument("-c", "--cpu-shares", type=int, default=0, help="CPU shares (relative weight)")
    p.add_argument("--stop-signal", help="Signal to stop the container")
    p.add_argument("--stop-timeout", type=int, help="Timeout (in seconds) to stop a container")
    p.add_argument("--health-cmd", default="", help="Command to run to check health")
    p.add_argument("--health-interval", default="", help="Time between running the check (ms|s|m|h)")
    p.add_argument("--health-timeout", default="", help="Maximum time to allow one check to run (ms|s|m|h)")
    p.add_argument("--health-start-period", default="", help="Start period for the container to initialize (ms|s|m|h)")
    p.add_argument("--health-retries", type=int, default=0, help="Consecutive failures needed to report unhealthy")
    p.add_argument("--no-healthcheck", action="store_true", help="Disable any container-specified HEALTHCHECK")
    p.add_argument("--add-host", action="append", default=[], help="Add a custom host-to-IP mapping (host:ip)")
    p.add_argument("--dns", action="append", default=[], help="Set custom DNS servers")
    p.add_argument("-P", "--publish-all", action="store_true", help="Publish all exposed ports to random ports")
    p.add_argument("--pid", default="", help="PID namespace to use")
    p.add_argument("--ipc", default="", help="IPC mode to use")
    p.add_argument("image", metavar="IMAGE")
    p.add_argument("command", nargs=REMAINDER, metavar="COMMAND")


def create_args(p: argparse.ArgumentParser) -> None:
    _container_flags(p)


def run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-d", "--detach", action="store_true", help="Run container in background and print container ID")
    p.add_argument("-a", "--attach", action="append", default=[], help="Attach to STDIN, STDOUT or STDERR")
    p.add_argument("--sig-proxy", default="true", help="Proxy received signals to the process")
    _container_flags(p)


def _flag_value(flag: str, value: str, parse: Any) -> Any:
    """Parse a flag's value; a bad one is docker's 'invalid argument' usage error (exit 125)."""
    from ..cli import UsageError

    try:
        return parse(value)
    except ValueError as err:
        text = str(err)
        prefix = f'invalid argument "{value}" for "{flag}" flag: '
        raise UsageError(text if text.startswith("invalid argument") else prefix + text, 125) from None


def build_body(a: argparse.Namespace, attach: bool) -> dict[str, Any]:
    """Flags -> the create body, as opts.go parse() does."""
    exposed: dict[str, dict] = {}
    bindings: dict[str, list[dict[str, str]]] = {}
    for spec in a.publish:
        key, binding = cfg.parse_port(spec)
        exposed[key] = {}
        bindings.setdefault(key, []).append(binding)
    for spec in a.expose:
        exposed[spec if "/" in spec else spec + "/tcp"] = {}
    binds, volumes = [], {}
    for spec in a.volume:
        if ":" in spec:
            src, rest = spec.split(":", 1)
            if src.startswith("."):  # docker CLI 23+: a relative host path is resolved here, against our cwd
                import os

                spec = os.path.abspath(src) + ":" + rest
            binds.append(spec)
        else:
            volumes[spec] = {}
    from ..cli import UsageError

    try:
        restart = cfg.restart_policy(a.restart)
        logging = {"Type": a.log_driver, "Config": cfg.log_opts(a.log_driver, a.log_opt)}
    except ValueError as err:
        raise UsageError(str(err), 125) from None
    hc = cfg.host_config(
        Binds=binds or None, PortBindings=bindings, AutoRemove=a.rm, NetworkMode=a.network,
        Memory=_flag_value("-m, --memory", a.memory, cfg.ram_in_bytes) if a.memory else 0,
        NanoCpus=_flag_value("--cpus", a.cpus, cfg.nano_cpus) if a.cpus else 0,
        PidsLimit=a.pids_limit, ReadonlyRootfs=a.read_only, Privileged=a.privileged,
        CapAdd=[cfg.normalize_cap(c) for c in a.cap_add] or None,
        CapDrop=[cfg.normalize_cap(c) for c in a.cap_drop] or None,
        RestartPolicy=restart, LogConfig=logging, VolumesFrom=a.volumes_from or None, Links=a.link or None,
    )
    if a.init:
        hc["Init"] = True
    if a.runtime:
        hc["Runtime"] = a.runtime
    if a.security_opt:
        hc["SecurityOpt"] = [_security_opt(o) for o in a.security_opt]
    if a.mount:
        hc["Mounts"] = [cfg.parse_mount(m) for m in a.mount]
    if a.tmpfs:
        hc["Tmpfs"] = dict(cfg.parse_tmpfs(t) for t in a.tmpfs)
    if a.shm_size:
        hc["ShmSize"] = _flag_value("--shm-size", a.shm_size, cfg.ram_in_bytes)
    if a.memory_swap:
        hc["MemorySwap"] = -1 if a.memory_swap == "-1" else _flag_value("--memory-swap", a.memory_swap, cfg.ram_in_bytes)
    hc.update(CpusetCpus=a.cpuset_cpus, CpusetMems=a.cpuset_mems, CpuShares=a.cpu_shares, PublishAllPorts=a.publish_all, PidMode=a.pid, IpcMode=a.ipc,
              ExtraHosts=a.add_host or None, Dns=a.dns)
    if a.tty and sys.stdout.isatty():
        hc["ConsoleSize"] = list(_terminal_size())
    stdin = bool(a.interactive)
    streams = set(s.lower() for s in getattr(a, "attach", []) or [])
    fields: dict[str, Any] = {
        "Hostname": a.hostname, "User": a.user, "Tty": a.tty, "OpenStdin": stdin, "StdinOnce": stdin and attach,
        "AttachStdin": stdin and attach, "AttachStdout": attach and (not streams or "stdout" in streams),
        "AttachStderr": attach and (not streams or "stderr" in streams),
        "Env": cfg.parse_env(a.env, a.env_file) or None, "Volumes": volumes, "WorkingDir": a.workdir,
        "Labels": cfg.parse_labels(a.label),
    }
    if exposed:
        fields["ExposedPorts"] = exposed
    if a.entrypoint is not None:
        fields["Entrypoint"] = [a.entrypoint]
    if a.stop_signal:
        fields["StopSignal"] = a.stop_signal
    if a.stop_timeout is not None:
        fields["StopTimeout"] = a.stop_timeout
    health = _healthcheck(a)
    if health is not None:
        fields["Healthcheck"] = health
    body = cfg.create_body(a.image, a.command or None, hc, **fields)
    for endpoint in body["NetworkingConfig"]["EndpointsConfig"].values():
        if a.network_alias:
            endpoint["Aliases"] = list(a.network_alias)
        if a.ip:
            endpoint["IPAMConfig"] = {"IPv4Address": a.ip}
    return body


def _healthcheck(a: argparse.Namespace) -> dict[str, Any] | None:
    """--health-* and --no-healthcheck -> Config.Healthcheck (cf. docker/cli opts.go)."""
    from ...units import parse_go_duration
    from ..cli import UsageError

    durations = {key: _flag_value(flag, value, parse_go_duration) if value else 0
                 for key, flag, value in (("Interval", "--health-interval", a.health_interval),
                                          ("Timeout", "--health-timeout", a.health_timeout),
                                          ("StartPeriod", "--health-start-period", a.health_start_period))}
    settings = bool(a.health_cmd or any(durations.values()) or a.health_retries)
    if a.no_healthcheck:
        if settings:
            raise UsageError("--no-healthcheck conflicts with --health-* options", 125)
        return {"Test": ["NONE"]}
    if not settings:
        return None
    for key, flag in (("Interval", "--health-interval"), ("Timeout", "--health-timeout"),
                      ("StartPeriod", "--health-start-period")):
        if durations[key] < 0:
            raise UsageError(f"{flag} cannot be negative", 125)
    if a.health_retries < 0:
        raise UsageError("--health-retries cannot be negative", 125)
    health = {"Test": ["CMD-SHELL", a.health_cmd] if a.health_cmd else None, **durations, "Retries": a.health_retries}
    return {k: v for k, v in health.items() if v}  # omitempty, as the docker CLI's JSON


def _security_opt(opt: str) -> str:
    """As the docker CLI (parseSecurityOpts): seccomp=FILE sends the profile's JSON, not its path."""
    key, sep, value = opt.partition("=")
    if key == "seccomp" and sep and value != "unconfined":
        import json

        from ..cli import UsageError

        try:
            with open(value) as f:
                return "seccomp=" + json.dumps(json.load(f), separators=(",", ":"))
        except OSError as err:
            raise UsageError(f"opening seccomp profile ({value}) failed: open {value}: {(err.strerror or '').lower()}",
                             125) from None
        except ValueError as err:
            raise UsageError(f"decoding seccomp profile failed: {err}", 125) from None
    return opt


def _terminal_size() -> tuple[int, int]:
    import os

    try:
        cols, rows = os.get_terminal_size(sys.stdout.fileno())
        return rows, cols
    except OSError:
        return 0, 0


def familiar_with_tag(image: str) -> str:
    """busybox -> busybox:latest (what "Unable to find image '...' locally" shows)."""
    from ..api.images import split_repo_tag

    repo, tag = split_repo_tag(image)
    return image if tag else f"{repo}:latest"


def create_container(cli: Any, body: dict[str, Any], name: str | None) -> str:
    """POST /containers/create; on 404 pull the image (progress on stderr) and create again."""
    from ..errors import NotFound

    try:
        result = cli.api.create_container_from_config(body, name)
    except NotFound:
        image = body["Image"]
        cli.warn(f"Unable to find image '{familiar_with_tag(image)}' locally")
        from ..formatting.progress import display_stream

        display_stream(cli.api.pull(image, stream=True), sys.stderr)
        result = cli.api.create_container_from_config(body, name)
    for warning in result.get("Warnings") or []:
        cli.warn(f"WARNING: {warning}")
    return result["Id"]


def create(cli: Any, a: argparse.Namespace) -> int:
    body = build_body(a, attach=False)
    body["AttachStdout"] = body["AttachStderr"] = True  # docker create leaves stdout/stderr attachable
    if a.interactive:
        body["AttachStdin"] = True
    print(create_container(cli, body, a.name))
    return 0


def start_error_code(err: APIError) -> int:
    """run's exit code for a failed start: 127 command not found, 126 cannot invoke, else 125."""
    text = err.message.lower()
    if any(s in text for s in NOT_FOUND_127):
        return 127
    if any(s in text for s in CANNOT_INVOKE_126):
        return 126
    return 125


def run(cli: Any, a: argparse.Namespace) -> int:
    if a.tty and a.interactive and not sys.stdin.isatty():
        cli.warn("the input device is not a TTY")
        return 1
    if a.detach and a.rm is False and a.attach:
        cli.warn("minidocker: Conflicting options: -a and -d\n\nRun 'minidocker run --help' for more information")
        return 125
    body = build_body(a, attach=not a.detach)
    with trace.span("create"):
        cid = create_container(cli, body, a.name)
    api = cli.api
    with trace.span("wait (sent)"):
        waiter = api.transport.send("POST", f"/containers/{cid}/wait",
                                    {"condition": "removed" if a.rm else "next-exit"})
        waiter.wait_headers(WAIT_HEAD_TIMEOUT)
    if a.detach:
        try:
            api.start(cid)
        except APIError as err:
            waiter.close()
            cli.warn(f"minidocker: {err}\n\nRun 'minidocker run --help' for more information")
            return start_error_code(err)
        waiter.close()  # as the CLI does: the wait is cancelled by hanging up
        print(cid)
        return 0
    return attach_start_wait(cli, cid, body["Tty"], bool(body["AttachStdin"]), waiter, run_mode=True,
                             sig_proxy=a.sig_proxy.lower() not in ("false", "0") and not body["Tty"],
                             detach_keys=a.detach_keys)


def attach_start_wait(cli: Any, cid: str, tty: bool, stdin: bool, waiter: Any, run_mode: bool,
                      sig_proxy: bool = True, start: bool = True, detach_keys: str = "") -> int:
    """Attach (hijacked), start, copy stdio until the stream ends, then read the wait result
    (none after a detach: the container runs on and the CLI exits 0, as docker's)."""
    from ..stdio import detach_keys_setting, relay

    api = cli.api
    detach_keys = detach_keys_setting(detach_keys)
    with trace.span("attach"):
        stream = api.attach_socket(cid, stdin=stdin, detach_keys=detach_keys)
    if start:
        try:
            with trace.span("start"):
                api.start(cid)
        except APIError as err:
            stream.close()
            waiter.close()
            if run_mode:
                cli.warn(f"minidocker: {err}\n\nRun 'minidocker run --help' for more information")
                return start_error_code(err)
            raise
    with trace.span("output until exit"):
        detached = relay(cli, cid, stream, tty, stdin, sig_proxy, detach_keys)
    if detached:
        waiter.close()
        return 0
    with trace.span("exit (wait result)"):
        result = waiter.json() or {}
    error = (result.get("Error") or {}).get("Message") if isinstance(result.get("Error"), dict) else None
    if error:
        cli.warn(f"minidocker: {error}")
    return int(result.get("StatusCode", 0))
