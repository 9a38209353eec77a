"""docker cp's endpoints: stat, read and write paths inside a container (cf. moby daemon/archive.go).

The container's root is /proc/<pid>/root while it runs (its volumes included), else its snapshot
mounted read-write on a private temporary directory for the duration of the call. Every path
operation happens in archive_child.py, chrooted into that root.
"""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

from ...errors import InvalidArgument, NotFound, RuntimeFailure

CHILD = str(Path(__file__).with_name("archive_child.py"))


@contextlib.contextmanager
def container_root(daemon, c) -> Iterator[str]:
    if c.state.running and c.state.pid:
        yield f"/proc/{c.state.pid}/root"
        return
    from ...linux.mountall import mount_all, unmount_all

    mounts = daemon.images.snapshots.mounts(c.rootfs_key)
    with tempfile.TemporaryDirectory(prefix="md-cp-") as tmp:
        mount_all(mounts, tmp)
        try:
            yield tmp
        finally:
            unmount_all(tmp)


def _run(root: str, op: str, path: str, stdin: bytes | None = None, extra: list[str] | None = None):
    return subprocess.run([sys.executable, "-I", "-S", CHILD, root, op, path, *(extra or [])], input=stdin,
                          capture_output=True)


def _check(res, c, path: str) -> None:
    if res.returncode == 2:
        raise NotFound(f"Could not find the file {path} in container {c.name.lstrip('/')}")
    if res.returncode == 3:
        raise InvalidArgument("extraction point is not a directory")
    if res.returncode == 4:
        raise InvalidArgument(res.stderr.decode(errors="replace").strip())
    if res.returncode != 0:
        raise RuntimeFailure(res.stderr.decode(errors="replace").strip() or f"archive helper failed ({res.returncode})")


def _clean(path: str) -> str:
    if not path:
        raise InvalidArgument("Path cannot be empty")
    return path if path.startswith("/") else "/" + path


def stat_header(daemon, c, path: str) -> str:
    path = _clean(path)
    with container_root(daemon, c) as root:
        res = _run(root, "stat", path)
    _check(res, c, path)
    return base64.b64encode(json.dumps(json.loads(res.stdout)).encode()).decode()


def get(daemon, c, path: str) -> tuple[str, bytes]:
    path = _clean(path)
    with container_root(daemon, c) as root:
        st = _run(root, "stat", path)
        _check(st, c, path)
        res = _run(root, "get", path)
    _check(res, c, path)
    return base64.b64encode(st.stdout.strip()).decode(), res.stdout


def put(daemon, c, path: str, tar: bytes, no_overwrite_dir_non_dir: bool) -> None:
    path = _clean(path)
    if c.host_config.get("ReadonlyRootfs") and c.state.running:
        raise InvalidArgument("container rootfs is marked read-only")
    with container_root(daemon, c) as root:
        res = _run(root, "put", path, tar, ["1" if no_overwrite_dir_non_dir else "0"])
    _check(res, c, path)
