"""A file of an image's root filesystem read as the container will see it, never the host's
(cf. moby pkg/symlink FollowSymlinkInScope, openat2(2) RESOLVE_IN_ROOT, overlayfs's merge rules).

dockerd reads /etc/passwd and /etc/group of an image before the container exists, straight from the
layer directories on the host. An image controls those files: /etc/passwd may be a symlink to a host
path (`/etc/shadow` of the host, read as root) or a FIFO (a read that blocks `create` forever). So
every path is resolved component by component inside the image: a symlink's target is taken
relative to the image's root (`..` stops at it), no host symlink is ever followed (each step opens
with O_NOFOLLOW below a directory already checked), only a regular file is read, and only so much.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MAX_LINKS = 40  # the kernel's MAXSYMLINKS: a loop of links fails as ELOOP would
READ_LIMIT = 4 << 20  # /etc/passwd of any real image is far smaller; an endless one must not eat dockerd
OPAQUE = "trusted.overlay.opaque"


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


def _open_dir(layer: Path, parts: list[str]) -> tuple[int | None, bool]:
    """A descriptor of layer/parts (each component a real directory), and whether a directory on the
    way is opaque (hides the layers below). None when a component is missing or not a directory."""
    fd = os.open(layer, os.O_PATH | os.O_DIRECTORY)
    opaque = False
    try:
        for part in parts:
            nxt = os.open(part, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nxt
            opaque = opaque or _is_opaque(fd)
    except OSError:
        os.close(fd)
        return None, opaque
    return fd, opaque


def _is_opaque(fd: int) -> bool:
    try:
        return os.getxattr(f"/proc/self/fd/{fd}", OPAQUE) == b"y"
    except OSError:
        return False


def _entry(layers: list[Path], parts: list[str]) -> tuple[Path, os.stat_result] | None:
    """The topmost layer holding parts and its lstat; None if missing or whited out in the merged view."""
    parent, name = parts[:-1], parts[-1]
    for layer in layers:  # topmost first
        fd, opaque = _open_dir(layer, parent)
        if fd is None:
            if opaque:
                return None
            continue
        try:
            st = os.lstat(name, dir_fd=fd)
        except OSError:
            st = None
        finally:
            os.close(fd)
        if st is not None:
            if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
                return None  # an overlay whiteout: deleted in this layer
            return layer, st
        if opaque:
            return None
    return None


def resolve(layers: list[Path], path: str) -> tuple[Path, list[str]] | None:
    """The layer and the link-free components of `path` in the image, or None if it does not exist."""
    todo, done, links = _parts(path), [], 0
    found: tuple[Path, os.stat_result] | None = None
    while todo:
        part = todo.pop(0)
        if part == "..":
            done = done[:-1]  # ".." of the root is the root, as in a chroot
            found = None
            continue
        found = _entry(layers, done + [part])
        if found is None:
            return None
        layer, st = found
        if stat.S_ISLNK(st.st_mode):
            links += 1
            if links > MAX_LINKS:
                return None
            target = os.readlink(layer.joinpath(*done, part))
            if target.startswith("/"):
                done = []
            todo = _parts(target) + todo
            found = None
            continue
        done.append(part)
    if found is None:
        return None if done else (layers[0], [])
    return found[0], done


def read(layers: list[Path], path: str, limit: int = READ_LIMIT) -> bytes | None:
    """The first `limit` bytes of the regular file at `path` in the image; None when it is missing or
    is not a regular file (a FIFO, a device, a directory)."""
    where = resolve(layers, path)
    if where is None or not where[1]:
        return None
    layer, parts = where
    dfd, _ = _open_dir(layer, parts[:-1])
    if dfd is None:
        return None
    try:
        fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dfd)
    except OSError as err:
        if err.errno in (errno.ENOENT, errno.ELOOP, errno.ENXIO, errno.EACCES):
            return None
        raise
    finally:
        os.close(dfd)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
