"""The chrooted helper behind GET/HEAD/PUT /containers/{id}/archive (cf. moby daemon/archive.go, pkg/chrootarchive).

Run as `python -I -S archive_child.py ROOT OP PATH [NO_OVERWRITE_DIR_NON_DIR]`, standard library only.
It chroots into the container's root before touching any path, so a symlink in the container (say
/data -> /) can never lead a copy onto the host: the kernel resolves every component inside ROOT.
OP is `stat` (JSON on stdout), `get` (a tar on stdout) or `put` (a tar on stdin, extracted into PATH).
Exit status: 0 ok, 2 no such path, 3 not a directory, 4 refused content, 1 other errors (message on stderr).

The helper is host root inside an untrusted tree, so after the chroot it must never load code from
it (CVE-2019-14271: docker-tar's user-name lookups made glibc read the container's /etc/nsswitch.conf
and dlopen its libnss_*.so). So: no name lookup goes through glibc (tarfile's pwd/grp are switched
off; owner names come from the container's own /etc/passwd and /etc/group, parsed as text, as moby's
FileInfoHeaderNoLookups leaves the names to the caller), and every module is imported before the
chroot, after which imports are shut off, so no .py or .so of the container is ever run.
"""

import json
import os
import stat
import sys
import tarfile
import time

# tarfile fills uname/gname through pwd.getpwuid/grp.getgrgid, i.e. glibc NSS, when these are set.
tarfile.pwd = tarfile.grp = None
NAMES_MAX = 1 << 20  # bytes of /etc/passwd or /etc/group read: a huge or endless file must not hang cp

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


def id_names(path: str) -> dict[int, str]:
    """id -> name from a passwd/group file of the container, read as text (a regular file only, bounded)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return {}
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return {}
        text = f.read(NAMES_MAX).decode(errors="replace")
    names: dict[int, str] = {}
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) > 2 and fields[2].isdigit():
            names.setdefault(int(fields[2]), fields[0])
    return names


class NamedTarFile(tarfile.TarFile):
    """A TarFile whose owner names come from the container's files, never from glibc."""

    users: dict[int, str] = {}
    groups: dict[int, str] = {}

    def gettarinfo(self, name=None, arcname=None, fileobj=None):
        info = super().gettarinfo(name, arcname, fileobj)
        if info is not None:
            info.uname = self.users.get(info.uid, "")
            info.gname = self.groups.get(info.gid, "")
        return info


def get(path: str) -> None:
    base = os.path.basename(path.rstrip("/")) or "."
    contents_only = path.endswith("/.")
    NamedTarFile.users, NamedTarFile.groups = id_names("/etc/passwd"), id_names("/etc/group")
    with NamedTarFile.open(fileobj=sys.stdout.buffer, mode="w|") as tar:
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


def seal_imports() -> None:
    """From here on an import fails instead of running the container's /usr/lib/python3*/*.py or *.so."""
    sys.path.clear()
    sys.path_hooks.clear()
    sys.path_importer_cache.clear()
    sys.meta_path[:] = [f for f in sys.meta_path if f.__name__ in ("BuiltinImporter", "FrozenImporter")]


def main(argv: list[str]) -> int:
    root, op, path = argv[0], argv[1], argv[2]
    os.chroot(root)
    os.chdir("/")
    seal_imports()
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
    except ImportError as err:  # seal_imports at work: a lazy import would have run the container's code
        print(f"archive helper: {err} (imports are closed inside the container)", file=sys.stderr)
        return 1
    print(f"unknown operation {op}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
