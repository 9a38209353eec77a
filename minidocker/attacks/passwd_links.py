"""The user-lookup attack: an image whose /etc/passwd is a symlink to a host file, or a FIFO.

Before a container exists, the engine reads the image's /etc/passwd on the host to turn `-u NAME`
into a uid. If it followed the image's symlink as the host would, an image could make dockerd (root)
read any host file (this mirrors the CVE-2018-15664 / CVE-2014-9356 class: a path of the container
resolved on the host); a FIFO there would block `create` forever.
"""

from __future__ import annotations

from pathlib import Path

from . import Status, must

LINK_DOCKERFILE = "FROM busybox\nRUN ln -sf {target} /etc/passwd\n"
FIFO_DOCKERFILE = "FROM busybox\nRUN rm /etc/passwd && mkfifo /etc/passwd\n"


def host_passwd(path: Path, user: str, uid: int) -> Path:
    """A passwd file on the host (the attacker's bait) that names a user no image has."""
    path.write_text(f"{user}:x:{uid}:{uid}:bait on the host:/:/bin/sh\n")
    return path


def build_link_image(status: Status, tag: str, workdir: Path, target: Path) -> str:
    """An image whose /etc/passwd is a symlink to `target`, an absolute host path."""
    ctx = workdir / "passwd-link"
    ctx.mkdir(parents=True, exist_ok=True)
    (ctx / "Dockerfile").write_text(LINK_DOCKERFILE.format(target=target))
    must(status, "build", "-q", "-t", tag, str(ctx))
    return tag


def build_fifo_image(status: Status, tag: str, workdir: Path) -> str:
    """An image whose /etc/passwd is a named pipe: a reader that opens it waits for a writer forever."""
    ctx = workdir / "passwd-fifo"
    ctx.mkdir(parents=True, exist_ok=True)
    (ctx / "Dockerfile").write_text(FIFO_DOCKERFILE)
    must(status, "build", "-q", "-t", tag, str(ctx))
    return tag
