"""The offline base image busybox:latest, made from Debian's busybox-static (cf. docker-library/busybox).

Like Docker Hub's busybox image: one static binary with every applet hard-linked into /bin,
/etc/passwd and /etc/group, the usual empty directories, and CMD ["sh"].
Run as `python -m minidocker.baseimage DEST` to write a root filesystem directory, or with
`--ensure` to make the one under the state root if it is missing (the set-up does this).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

BUSYBOX = Path("/bin/busybox")
IMAGE_CMD = ["sh"]
IMAGE_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]

PASSWD = """\
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
"""

GROUP = """\
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
wheel:x:10:root
mail:x:8:
www-data:x:33:
operator:x:37:
staff:x:50:
users:x:100:
nogroup:x:65534:
"""

DIRS = {"bin": 0o755, "dev": 0o755, "etc": 0o755, "home": 0o755, "proc": 0o755, "root": 0o700,
        "sys": 0o755, "tmp": 0o1777, "usr": 0o755, "usr/sbin": 0o755, "var": 0o755,
        "var/spool": 0o755, "var/spool/mail": 0o755, "var/www": 0o755}


def applets(busybox: Path = BUSYBOX) -> list[str]:
    """Every applet the busybox binary was built with."""
    out = subprocess.run([str(busybox), "--list"], check=True, capture_output=True, text=True).stdout
    return sorted(name for name in out.split() if name and "/" not in name)


def make_rootfs(dest: Path, busybox: Path = BUSYBOX) -> Path:
    """Write the busybox root filesystem into dest (made anew under a temporary name, then renamed)."""
    if not busybox.exists():
        raise FileNotFoundError(f"{busybox} is missing: install Debian's busybox-static")
    dest = Path(dest)
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for rel, mode in DIRS.items():
        (tmp / rel).mkdir(parents=True, exist_ok=True)
        os.chmod(tmp / rel, mode)
    target = tmp / "bin" / "busybox"
    shutil.copy2(busybox, target)
    os.chmod(target, 0o755)
    for name in applets(busybox):
        if name != "busybox":
            os.link(target, tmp / "bin" / name)
    (tmp / "etc" / "passwd").write_text(PASSWD)
    (tmp / "etc" / "group").write_text(GROUP)
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(tmp, dest)
    return dest


def rootfs_dir() -> Path:
    """Where set-up keeps the busybox root filesystem under the state root."""
    from . import paths

    return paths.state_dir() / "baseimages" / "busybox" / "rootfs"


def ensure() -> Path:
    """Make the base image unless it is already there (idempotent, quick when done)."""
    dest = rootfs_dir()
    if not (dest / "bin" / "sh").exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        make_rootfs(dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--ensure"]:
        print(f"minidocker: base image busybox:latest ready ({ensure()})")
        return 0
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m minidocker.baseimage DEST | --ensure", file=sys.stderr)
        return 2
    print(make_rootfs(Path(args[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
