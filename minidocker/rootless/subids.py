"""The subordinate id ranges of a user in /etc/subuid and /etc/subgid (cf. shadow's subid(5), rootlesskit's
and podman's pkg/rootless lookups).

A line is `NAME-or-UID:FIRST:COUNT`; a user may have several. newuidmap/newgidmap (Debian's uidmap, setuid
root) check these same files, so the maps written from them are exactly what the administrator granted.
"""

from __future__ import annotations

import pwd
from pathlib import Path

SUBUID = Path("/etc/subuid")
SUBGID = Path("/etc/subgid")


def ranges(uid: int, path: Path) -> list[tuple[int, int]]:
    """(first, count) of every range `path` grants the user with this uid, in file order."""
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = None
    found = []
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        parts = line.strip().split(":")
        if len(parts) != 3 or parts[0] not in (name, str(uid)):
            continue
        try:
            first, count = int(parts[1]), int(parts[2])
        except ValueError:
            continue
        if count > 0:
            found.append((first, count))
    return found


def map_args(own: int, granted: list[tuple[int, int]]) -> list[str]:
    """newuidmap/newgidmap triples: our own id as 0 inside, then the granted ranges from 1 on (as rootlesskit)."""
    words = ["0", str(own), "1"]
    inside = 1
    for first, count in granted:
        words += [str(inside), str(first), str(count)]
        inside += count
    return words


def missing_line(uid: int) -> str:
    """The /etc/subuid line an administrator would add for this user (65536 ids, as useradd gives)."""
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = str(uid)
    return f"{name}:<first>:65536"
