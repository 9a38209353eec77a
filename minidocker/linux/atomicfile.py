"""Replace a file atomically: write a temporary file beside it, fsync, rename over it (cf. moby pkg/ioutils/fswriters.go AtomicWriteFile).

rename(2) within one filesystem is atomic: a reader (or a daemon restarted after a crash) sees the old
file or the new one, never half of each. On failure (ENOSPC, EIO, a crash of the writer's thread) the
temporary file is removed, so a full disk leaves the old state and no litter that fills it further.
Every state file of the engine (content index, snapshot and container metadata, image and network
stores, runtime state) goes through here; the shim and the runtime import it too, so: stdlib only.
"""

from __future__ import annotations

import os


def write_atomic(path: str | os.PathLike, data: bytes, mode: int = 0o644, durable: bool = True) -> None:
    """Make path hold exactly data, with the given permission bits (umask does not apply).

    durable=False skips the fsync: for files under the run directory, which a reboot wipes anyway."""
    path = os.fspath(path)
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if durable:
            os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
