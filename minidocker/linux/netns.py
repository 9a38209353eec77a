"""Named network namespaces as bind-mounted files, and running code inside one (cf. iproute2 ip/ipnetns.c).

Network namespaces are per thread in Linux, so instead of forking (unsafe in a threaded daemon)
we do the namespace work on a short-lived thread: unshare(2)/setns(2) there change only that
thread, sockets it opens stay bound to that namespace for life, and the thread then exits.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Callable, TypeVar

from .libc import check, libc
from .mount import MNT_DETACH, MS_BIND, mount, umount

CLONE_NEWNET = 0x40000000

T = TypeVar("T")


def _on_thread(fn: Callable[[], T]) -> T:
    """Run fn on a fresh OS thread and hand back its result or exception."""
    box: dict[str, Any] = {}

    def body() -> None:
        try:
            box["value"] = fn()
        except BaseException as err:  # re-raised in the caller
            box["error"] = err

    thread = threading.Thread(target=body, name="netns", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def create(path: str | os.PathLike[str]) -> None:
    """Make a new network namespace and pin it by bind-mounting it on `path` (as `ip netns add`)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0o444)
    os.close(fd)

    def pin() -> None:
        check(libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
        # /proc/thread-self: the namespace of THIS thread, not of the process's main thread.
        mount("/proc/thread-self/ns/net", str(target), None, MS_BIND)

    try:
        _on_thread(pin)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def remove(path: str | os.PathLike[str]) -> None:
    """Unpin and delete a namespace file; the namespace dies with its last process (as `ip netns del`)."""
    target = Path(path)
    try:
        umount(str(target), MNT_DETACH)
    except OSError:
        pass  # not mounted (half-made or already unpinned): the file still goes
    target.unlink(missing_ok=True)


def is_pinned(path: str | os.PathLike[str]) -> bool:
    """True if `path` is a live namespace file, not an empty placeholder: nsfs is one device for all."""
    try:
        return os.stat(path).st_dev == os.stat("/proc/self/ns/net").st_dev
    except OSError:
        return False


def run_in(path: str | os.PathLike[str], fn: Callable[[], T]) -> T:
    """Run fn inside the network namespace pinned at `path` (on its own thread) and return its result."""

    def entered() -> T:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            check(libc.setns(fd, CLONE_NEWNET), f"setns {path}")
        finally:
            os.close(fd)
        return fn()

    return _on_thread(entered)
