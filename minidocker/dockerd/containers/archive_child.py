"""The chrooted helper behind GET/HEAD/PUT /containers/{id}/archive (cf. moby daemon/archive.go, pkg/chrootarchive).

Run as `python -I -S archive_child.py ROOT OP PATH [NO_OVERWRITE_DIR_NON_DIR]`, standard library only.
It chroots into the container's root before touching any path, so a symlink in the container (say
/data -> /) can never lead a copy onto the host: the kernel resolves every component inside ROOT.
OP is `stat` (JSON on stdout), `get` (a tar on stdout) or `put` (a tar on stdin, extracted into PATH).
Exit status: 0 ok, 2 no such path, 3 not a directory, 4 refused content, 1 other errors (message on stderr).
"""

import json
import os
import stat
import sys
import tarfile
import time

# Go's os.FileMode type bits, which the docker CLI decodes from the stat header.
GO_DIR, GO_SYMLINK, GO_DEVICE, GO_PIPE, GO_SOCKET = 1 << 31, 1 << 27, 1 << 26, 1 << 25, 1 << 24
GO_SETUID, GO_SETGID, GO_CHARDEV, GO_STICKY = 1 << 23, 1 << 22, 1 << 21, 1 << 20


def go_mode(st: os.stat_result) -> int:
    mode = st.st_mode & 0o777
    kind = stat.S_IFMT(st.st_mode)
    mode |= {stat.S_IFDIR: GO_DIR, stat.S_IFLNK: GO_SYMLINK, stat.S_IFIFO: GO_PIPE, stat.S_IFSOCK: GO_SOCKET,
             stat.S_IFBLK: GO_DEVICE, stat.S_IFCHR: GO_DEVICE | GO_CHARDEV}.get(kind, 0)
    if st.st_mode & stat.S_ISUID:
        mode |= GO_SETUID
    if st.st_mode & stat.S_ISGID:
        mode |= GO_SETGID
    if st.st_mode & stat.S_ISVTX:
        mode |= GO_STICKY
    return mode


def path_stat(path: str) -> dict:
    st = os.lstat(path)
    link = os.readlink(path) if stat.S_ISLNK(st.st_mode) else ""
    ns = st.st_mtime_ns
    mtime = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + f".{ns % 10**9:09d}Z"
    name = os.path.basename(path.rstrip("/")) or "/"
    return {"name": name, "size": st.st_size, "mode": go_mode(st), "mtime": mtime, "linkTarget": link}


def get(path: str) -> None:
    base = os.path.basename(path.rstrip("/")) or "."
    contents_only = path.endswith("/.")
    with tarfile.open(fileobj=sys.stdout.buffer, mode="w|") as tar:
        if contents_only:
            for entry in sorted(os.listdir(path)):
                tar.add(os.path.join(path, entry), arcname=entry)
        else:
            tar.add(path, arcname=base)


def put(path: str, no_overwrite_dir_non_dir: bool) -> int:
    if not os.path.isdir(path):
        return 3
    with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as tar:
        for member in tar:
            name = os.path.normpath(member.name.lstrip("/"))
            if name.startswith("..") or member.isdev():
                print(f"refusing {member.name!r}", file=sys.stderr)
                return 4
            dest = os.path.join(path, name)
            if no_overwrite_dir_non_dir and os.path.lexists(dest):
                if os.path.isdir(dest) != member.isdir():
                    kind = "directory" if member.isdir() else "non-directory"
                    print(f"cannot overwrite {'non-' if member.isdir() else ''}directory {dest!r} with {kind} {name!r}",
                          file=sys.stderr)
                    return 4
            member.name = name
            tar.extract(member, path, set_attrs=True, numeric_owner=True)
    return 0


def main(argv: list[str]) -> int:
    root, op, path = argv[0], argv[1], argv[2]
    os.chroot(root)
    os.chdir("/")
    if not os.path.lexists(path.rstrip("/.") or "/"):
        return 2
    try:
        if op == "stat":
            print(json.dumps(path_stat(path)))
            return 0
        if op == "get":
            get(path)
            return 0
        if op == "put":
            return put(path, len(argv) > 3 and argv[3] == "1")
    except OSError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"unknown operation {op}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
