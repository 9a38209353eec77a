"""`minidocker start [-a] [-i] CONTAINER...` and `attach CONTAINER` (cf. docker/cli cli/command/container/start.go, attach.go)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any


def start_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--attach", action="store_true", help="Attach STDOUT/STDERR and forward signals")
    p.add_argument("-i", "--interactive", action="store_true", help="Attach container's STDIN")
    p.add_argument("--detach-keys", default="", help="Override the key sequence for detaching a container")
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def start(cli: Any, a: argparse.Namespace) -> int:
    api = cli.api
    if a.attach or a.interactive:
        if len(a.containers) > 1:
            cli.warn("minidocker: you cannot start and attach multiple containers at once")
            return 1
        from .run import attach_start_wait

        info = api.inspect_container(a.containers[0])
        cid, tty = info["Id"], info["Config"].get("Tty", False)
        stdin = a.interactive and info["Config"].get("OpenStdin", False)
        waiter = api.transport.send("POST", f"/containers/{cid}/wait", {"condition": "next-exit"})
        waiter.wait_headers(2.0)
        return attach_start_wait(cli, cid, tty, stdin, waiter, run_mode=False, sig_proxy=not tty,
                                 detach_keys=a.detach_keys)
    failed = []
    for name in a.containers:
        try:
            api.start(name)
            print(name)
        except Exception as err:  # docker reports each failure and carries on
            from ..errors import APIError

            if not isinstance(err, APIError):
                raise
            cli.warn(str(err))
            failed.append(name)
    if failed:
        cli.warn(f"Error: failed to start containers: {', '.join(failed)}")
        return 1
    return 0


def attach_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-stdin", action="store_true", help="Do not attach STDIN")
    p.add_argument("--detach-keys", default="", help="Override the key sequence for detaching a container")
    p.add_argument("--sig-proxy", default="true", help="Proxy all received signals to the process")
    p.add_argument("container", metavar="CONTAINER")


def attach(cli: Any, a: argparse.Namespace) -> int:
    """Attach to a running container's stdio; the exit code is the container's once the stream ends."""
    from ..stdio import detach_keys_setting, relay

    api = cli.api
    info = api.inspect_container(a.container)
    if not (info.get("State") or {}).get("Running"):
        cli.warn("You cannot attach to a stopped container, start it first")
        return 1
    cid, tty = info["Id"], info["Config"].get("Tty", False)
    stdin = info["Config"].get("OpenStdin", False) and not a.no_stdin
    keys = detach_keys_setting(a.detach_keys)
    stream = api.attach_socket(cid, stdin=stdin, detach_keys=keys)
    if relay(cli, cid, stream, tty, stdin, a.sig_proxy.lower() not in ("false", "0") and not tty, keys, redraw=True):
        cli.warn("read escape sequence")  # docker attach reports the detach as its error (exit 1); run does not
        return 1
    return int(api.wait(cid).get("StatusCode", 0))
