"""Names in USER and --chown resolved against the image's /etc/passwd and /etc/group (cf. moby pkg/idtools, libcontainer/user)."""

from __future__ import annotations

from pathlib import Path

from ...errors import InvalidArgument


def _table(path: Path) -> list[list[str]]:
    try:
        return [line.split(":") for line in path.read_text().splitlines() if line and not line.startswith("#")]
    except OSError:
        return []


def resolve(rootfs: Path | None, spec: str) -> tuple[int, int]:
    """uid, gid for "user[:group]" (names or numbers); a user alone takes its primary group."""
    user, _, group = spec.partition(":")
    passwd = _table(rootfs / "etc" / "passwd") if rootfs else []
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
    groups = _table(rootfs / "etc" / "group") if rootfs else []
    entry = next((f for f in groups if f[0] == group and len(f) > 2), None)
    if entry is None:
        raise InvalidArgument(f"unable to find group {group}: no matching entries in group file")
    return uid, int(entry[2])
