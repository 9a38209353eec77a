"""Resolving tar entry names under a root without ever leaving it (cf. containerd continuity fs.RootPath, moby pkg/archive breakout checks).

Names are cleaned like Go's filepath.Clean after stripping leading "/" (Docker's rule); a name that
still climbs out ("../x") is refused. Directories are then opened one component at a time with
O_NOFOLLOW relative to the previous directory's fd, so a symlink can never silently take a write
outside the root; a symlink met on the way is resolved as if the root were "/" (a chroot-style walk:
absolute targets restart at the root, ".." stops at it).
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
from typing import Callable

from ...errors import InvalidArgument

MAX_SYMLINKS = 40  # the kernel's own limit (MAXSYMLINKS)
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def clean_name(name: str) -> str:
    """The entry's path relative to the root ("." for the root); InvalidArgument if it escapes."""
    if "\x00" in name:
        raise InvalidArgument(f"invalid tar entry {name!r}: NUL in name")
    stripped = name.lstrip("/")
    rel = posixpath.normpath(stripped) if stripped else "."
    if rel == ".." or rel.startswith("../"):
        raise InvalidArgument(f"invalid tar entry {name!r}: path escapes the layer root")
    return rel


def split(relpath: str) -> tuple[list[str], str]:
    """(parent components, base name) of a cleaned relative path."""
    parts = [p for p in relpath.split("/") if p and p != "."]
    return parts[:-1], (parts[-1] if parts else ".")


def _reopen(root_fd: int, comps: list[str]) -> int:
    fd = os.dup(root_fd)
    for c in comps:
        try:
            nfd = os.open(c, _DIR_FLAGS, dir_fd=fd)
        finally:
            os.close(fd)
        fd = nfd
    return fd


def open_dir(root_fd: int, comps: list[str],
             mkdir: Callable[[int, str, list[str]], None] | None = None) -> tuple[int, list[str]]:
    """Open the directory root/comps (resolved inside root); returns (fd, resolved components).

    mkdir(parent_fd, name, resolved_components) is called for a missing component; without it a
    missing component raises FileNotFoundError. A non-directory in the way raises InvalidArgument.
    """
    todo = list(comps)
    done: list[str] = []
    fd = os.dup(root_fd)
    hops = 0
    try:
        while todo:
            c = todo.pop(0)
            if c in ("", "."):
                continue
            if c == "..":
                done = done[:-1]
                os.close(fd)
                fd = -1
                fd = _reopen(root_fd, done)
                continue
            try:
                nfd = os.open(c, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if mkdir is None:
                    raise
                mkdir(fd, c, done + [c])
                nfd = os.open(c, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise
                st = os.stat(c, dir_fd=fd, follow_symlinks=False)
                if not stat.S_ISLNK(st.st_mode):
                    raise InvalidArgument(f"{'/'.join(done + [c])}: not a directory") from None
                hops += 1
                if hops > MAX_SYMLINKS:
                    raise InvalidArgument(f"{'/'.join(done + [c])}: too many levels of symbolic links") from None
                target = os.readlink(c, dir_fd=fd)
                if target.startswith("/"):
                    done = []
                todo = [p for p in target.split("/") if p] + todo
                os.close(fd)
                fd = -1
                fd = _reopen(root_fd, done)
                continue
            os.close(fd)
            fd = nfd
            done.append(c)
        return fd, done
    except BaseException:
        if fd >= 0:
            os.close(fd)
        raise
