"""Names in USER and --chown resolved against the image's /etc/passwd and /etc/group (cf. moby pkg/idtools, libcontainer/user)."""

from __future__ import annotations

from pathlib import Path

from ...errors import InvalidArgument
from ..containers import image_files


def _table(rootfs: Path, rel: str) -> list[list[str]]:
    """The entries of the image's file, resolved inside rootfs (never a host file, never a FIFO)."""
    data = image_files.read([rootfs], rel)
    if data is None:
        return []
    return [line.split(":") for line in data.decode(errors="replace").splitlines() if line and not line.startswith("#")]


def resolve(rootfs: Path | None, spec: str) -> tuple[int, int]:
    """uid, gid for "user[:group]" (names or numbers); a user alone takes its primary group."""
    user, _, group = spec.partition(":")
    passwd = _table(rootfs, "etc/passwd") if rootfs else []
    if user.isdigit():
        uid = int(user)
        primary = next((int(f[3]) for f in passwd if len(f) > 3 and f[2] == user), uid)
    else:
        entry = next((f for f in passwd if f[0] == user and len(f) > 3), None)
        if entry is None:
            raise InvalidArgument(f"unable to find user {user}: no matching entries in passwd file")
        uid, primary = int(entry[2]), int(entry[3])
    if not group:
        return uid, primary
    if group.isdigit():
        return uid, int(group)
    groups = _table(rootfs, "etc/group") if rootfs else []
    entry = next((f for f in groups if f[0] == group and len(f) > 2), None)
    if entry is None:
        raise InvalidArgument(f"unable to find group {group}: no matching entries in group file")
    return uid, int(entry[2])
