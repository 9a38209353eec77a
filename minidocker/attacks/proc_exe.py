"""The CVE-2019-5736 attack: a container process opens /proc/PID/exe of the runtime while it joins the container.

`docker exec` makes runc enter the container's namespaces; for a moment a process of the container's
pid namespace is runc itself, and its /proc/PID/exe is a handle on the host's runc binary. The
published exploit opened it, waited for runc to exit and wrote a new runc over it. minirunc is a
Python program: the handle would be the host's /usr/bin/python3.x. This container's main process
scans /proc for such a handle forever: it reports READ (it could open and copy the interpreter) and
WRITE (it could open it for writing; `: >>` writes no byte even then).
"""

from __future__ import annotations

import hashlib
import os
import re
import time

from . import Status, must

# busybox sh: every /proc/N/exe that links to a python binary is read, copied and opened for writing.
SCANNER = r"""
echo scanning
while :; do
  for e in /proc/[0-9]*/exe; do
    l=$(readlink "$e" 2>/dev/null) || continue
    case "$l" in
      *python*)
        if cat "$e" > /tmp/stolen 2>/dev/null; then echo "READ $l $(wc -c < /tmp/stolen) bytes"; fi
        if (: >> "$e") 2>/dev/null; then echo "WRITE $l"; fi
        echo "SAW $l";;
    esac
  done
done
"""


def start_scanner(status: Status, name: str, image: str = "busybox") -> str:
    """A detached container whose main process hunts for the runtime's binary in /proc."""
    must(status, "run", "-d", "--name", name, image, "sh", "-c", SCANNER)
    return name


def exec_many(status: Status, name: str, times: int) -> None:
    """`exec` into the container again and again: each one is a runtime process joining it."""
    for _ in range(times):
        must(status, "exec", name, "true")


def findings(status: Status, name: str) -> dict[str, list[str]]:
    """What the scanner reported so far: the SAW, READ and WRITE lines of its log."""
    out = must(status, "logs", name)
    return {kind: re.findall(rf"^{kind} (.*)$", out, re.M) for kind in ("SAW", "READ", "WRITE")}


def wait_scanning(status: Status, name: str, timeout: float = 10) -> None:
    """Until the scanner printed its first line (it runs before the first exec)."""
    deadline = time.monotonic() + timeout
    while "scanning" not in must(status, "logs", name):
        if time.monotonic() > deadline:
            raise RuntimeError("the scanner did not start")
        time.sleep(0.05)


def interpreter_digest(python: str) -> str:
    """sha256 of the host's interpreter binary (the runtime's /proc/PID/exe): the attack's target."""
    with open(os.path.realpath(python), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
