"""`docker top`: a ps-like table of a container's processes, read from /proc (cf. moby daemon/top_unix.go).

Without ps_args the table has ps -ef's columns (UID PID PPID C STIME TTY TIME CMD), computed from
/proc/<pid>/stat, status and cmdline. With ps_args, Docker runs the host's `ps` with them and keeps the
rows whose PID column names one of the container's processes; so do we.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import time
from typing import Any

from ...errors import InvalidArgument

TITLES = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _boot_time() -> float:
    for line in open("/proc/stat"):
        if line.startswith("btime "):
            return float(line.split()[1])
    return 0.0


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _tty(nr: int) -> str:
    if nr == 0:
        return "?"
    major, minor = (nr >> 8) & 0xFFF, (nr & 0xFF) | ((nr >> 12) & 0xFFF00)
    if 136 <= major <= 143:
        return f"pts/{(major - 136) * 256 + minor}"
    if major == 4:
        return f"tty{minor}"
    return "?"


def _clock(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return (f"{days}-" if days else "") + f"{h:02d}:{m:02d}:{s:02d}"


def row(pid: int, now: float, boot: float) -> list[str] | None:
    try:
        stat = open(f"/proc/{pid}/stat").read()
        status = open(f"/proc/{pid}/status").read()
        cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
    except OSError:
        return None  # exited meanwhile
    comm = stat[stat.index("(") + 1:stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2:].split()
    ppid, tty_nr = int(fields[1]), int(fields[4])
    utime, stime, start = int(fields[11]), int(fields[12]), int(fields[19])
    uid = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("Uid:"))
    started = boot + start / CLK_TCK
    cpu_secs = (utime + stime) / CLK_TCK
    elapsed = max(now - started, 1e-9)
    c = int(cpu_secs * 100 / elapsed)
    lt = time.localtime(started)
    stime_text = time.strftime("%H:%M", lt) if time.localtime(now)[:3] == lt[:3] else time.strftime("%b%d", lt)
    cmd = " ".join(a.decode(errors="replace") for a in cmdline.split(b"\0") if a) or f"[{comm}]"
    return [_user(uid), str(pid), str(ppid), str(c), stime_text, _tty(tty_nr), _clock(int(cpu_secs)), cmd]


def table(pids: list[int], ps_args: str = "") -> dict[str, Any]:
    if ps_args:
        return _ps(pids, ps_args)
    now, boot = time.time(), _boot_time()
    rows = [r for r in (row(p, now, boot) for p in sorted(pids)) if r]
    return {"Titles": list(TITLES), "Processes": rows}


def _ps(pids: list[int], ps_args: str) -> dict[str, Any]:
    out = subprocess.run(["ps"] + ps_args.split(), capture_output=True, text=True)
    if out.returncode != 0:
        raise InvalidArgument(f"Error running ps: {out.stderr.strip() or out.returncode}")
    lines = out.stdout.splitlines()
    if not lines:
        return {"Titles": [], "Processes": []}
    titles = lines[0].split()
    if "PID" not in titles:
        raise InvalidArgument("Couldn't find PID field in ps output")
    idx = titles.index("PID")
    wanted = {str(p) for p in pids}
    procs = []
    for line in lines[1:]:
        parts = line.split(None, len(titles) - 1)
        if len(parts) > idx and parts[idx] in wanted:
            procs.append(parts)
    return {"Titles": titles, "Processes": procs}
