"""The CVE-2020-8558 attack: a container reaches a service the host bound to 127.0.0.1 only.

With route_localnet=1 on the bridge (which published ports on 127.0.0.1 need when DNAT, not a
userland proxy, serves them) the host accepts packets for 127.0.0.0/8 arriving on the bridge.
A container holds CAP_NET_RAW by default, so it can hand-craft them: lo_syn.c sends a SYN for
127.0.0.1:PORT at layer 2 to the gateway's MAC address, completes the handshake and sends a line.
The course registry and JupyterLab listen on the host's loopback: this is how a learner's
container would reach them.
"""

from __future__ import annotations

import select
import socket
from pathlib import Path

from . import Status, compile_c, must

SOURCE = Path(__file__).with_name("lo_syn.c")
DOCKERFILE = "FROM busybox\nCOPY lo-syn /usr/local/bin/lo-syn\n"
# ping fills the ARP cache with the gateway's MAC address, which lo-syn reads
ATTACK = "ping -c 1 -W 1 $(ip route | awk '/^default/ {print $3}') >/dev/null; exec lo-syn {port}"


def build_image(status: Status, tag: str, workdir: Path) -> str:
    """An image holding lo-syn, built static with the host's cc (the attacker's own tool)."""
    ctx = workdir / "lo-syn-context"
    ctx.mkdir(parents=True, exist_ok=True)
    compile_c(SOURCE, ctx / "lo-syn", "-static")
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    must(status, "build", "-q", "-t", tag, str(ctx))
    return tag


def attack(status: Status, image: str, options: tuple[str, ...] | list[str] = ()) -> tuple[int, str, bytes]:
    """Listen on the host's 127.0.0.1 (a port the kernel picks) and run lo-syn against it in a fresh
    container started with `options`: (lo-syn's exit code, its output with the port as <PORT>, the
    bytes the listener received). Exit 0: it connected (or was answered), 1: no answer, 2: no raw socket."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        code, out = status("run", "--rm", *options, image, "sh", "-c", ATTACK.replace("{port}", str(port)))
        ready, _, _ = select.select([listener], [], [], 1.0)  # lo-syn has exited: anything it sent is here
        got = listener.accept()[0].recv(100) if ready else b""
    return code, out.replace(str(port), "<PORT>"), got
