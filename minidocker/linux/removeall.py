"""Remove a directory tree without recursion and without following symlinks (cf. Go os/removeall_at.go, moby pkg/system RemoveAll).

shutil.rmtree in Python 3.11 recurses once per directory level: a container that makes a 1,200-level
deep directory (`mkdir -p a/a/a/...`) stops it with RecursionError, and the snapshot it was removing
stays on disk forever. This walk keeps its own stack instead: every step is openat(2)/unlinkat(2)
relative to a directory file descriptor opened with O_NOFOLLOW, so a symlink planted inside the tree
is removed, never followed (the class of CVE-2018-15664 races). At most KEEP_OPEN levels keep a
descriptor; deeper parents are reopened through ".." and checked against the (st_dev, st_ino) they had
on the way down, so a tree of any depth needs a bounded number of descriptors.
"""

from __future__ import annotations

import errno
import os
import stat

KEEP_OPEN = 32
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class _Level:
    __slots__ = ("fd", "ident", "name", "pending")

    def __init__(self, fd: int, ident: tuple[int, int], name: str) -> None:
        self.fd: int | None = fd
        self.ident = ident
        self.name = name  # this directory's name in its parent
        self.pending: list[str] | None = None  # subdirectories still to empty


def remove_all(path: str | os.PathLike, dir_fd: int | None = None) -> None:
    """Remove path and everything below it, like `rm -rf`; a missing path is not an error.

    Keeps going past entries it cannot remove and raises the first OSError at the end (as Go's
    os.RemoveAll), so one busy mount point does not leave the rest of the tree behind."""
    path = os.fspath(path)
    try:
        st = os.stat(path, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        _quiet(os.unlink, path, dir_fd)
        return
    errors: list[OSError] = []
    top = os.open(path, _DIR_FLAGS, dir_fd=dir_fd)
    levels = [_Level(top, _ident(top), path)]
    try:
        while levels:
            level = levels[-1]
            if level.pending is None:
                level.pending = _unlink_files(level.fd, errors)
            if level.pending:
                _descend(levels, level.pending.pop(), errors)
                continue
            levels.pop()
            if not levels:
                os.close(level.fd)
                level.fd = None
                _record(errors, _quiet, os.rmdir, path, dir_fd)
                break
            parent = levels[-1]
            if parent.fd is None:
                parent.fd = _reopen_parent(level.fd, parent.ident)
            os.close(level.fd)
            level.fd = None
            _record(errors, _quiet, os.rmdir, level.name, parent.fd)
    finally:
        for level in levels:
            if level.fd is not None:
                os.close(level.fd)
    if errors:
        raise errors[0]


def remove_all_quietly(path: str | os.PathLike) -> bool:
    """remove_all for clean-up paths that must not fail; returns whether the tree is gone."""
    try:
        remove_all(path)
        return True
    except OSError:
        return False


def _descend(levels: list[_Level], name: str, errors: list[OSError]) -> None:
    parent = levels[-1]
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=parent.fd)
    except FileNotFoundError:
        return
    except OSError as e:
        if e.errno in (errno.ENOTDIR, errno.ELOOP):  # replaced by a file or a symlink meanwhile
            _record(errors, _quiet, os.unlink, name, parent.fd)
        else:
            errors.append(e)
        return
    levels.append(_Level(fd, _ident(fd), name))
    if len(levels) > KEEP_OPEN:
        far = levels[-KEEP_OPEN - 1]
        if far.fd is not None:
            os.close(far.fd)
            far.fd = None


def _unlink_files(fd: int, errors: list[OSError]) -> list[str]:
    """Unlink every non-directory entry; return the names of the subdirectories."""
    subdirs = []
    with os.scandir(fd) as it:
        entries = list(it)
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            subdirs.append(entry.name)
        else:
            _record(errors, _quiet, os.unlink, entry.name, fd)
    return subdirs


def _reopen_parent(child_fd: int, ident: tuple[int, int]) -> int:
    fd = os.open("..", _DIR_FLAGS, dir_fd=child_fd)
    if _ident(fd) != ident:
        os.close(fd)
        raise OSError(errno.ESTALE, "directory moved while its tree was being removed")
    return fd


def _ident(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def _quiet(fn, name: str, dir_fd: int | None) -> None:  # noqa: ANN001 - os.unlink or os.rmdir
    try:
        fn(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass


def _record(errors: list[OSError], fn, *args) -> None:  # noqa: ANN001
    try:
        fn(*args)
    except OSError as e:
        errors.append(e)
