"""`minidocker cp` between the host and a container, with tar archives as the daemon speaks them (cf. docker/cli cli/command/container/cp.go, moby pkg/archive/copy.go).

HEAD archive (stat the destination) -> PUT archive into the destination's directory, renaming the
copied entry when the destination names a new file; GET archive and extract for the other way.
"""

from __future__ import annotations

import io
import os
import posixpath
import sys
import tarfile

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    import argparse
    from typing import Any


def cp_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--archive", action="store_true", help="Archive mode (copy all uid/gid information)")
    p.add_argument("-L", "--follow-link", action="store_true", help="Always follow symbol link in SRC_PATH")
    p.add_argument("-q", "--quiet", action="store_true", help="Suppress progress output during copy")
    p.add_argument("src", metavar="SRC_PATH")
    p.add_argument("dest", metavar="DEST_PATH")


def _split(arg: str) -> tuple[str | None, str]:
    """CONTAINER:PATH -> (container, path); a local path (absolute, ./, or without a colon) -> (None, path)."""
    if arg.startswith(("/", ".")) or ":" not in arg:
        return None, arg
    container, path = arg.split(":", 1)
    return container, path


def cp(cli: Any, a: argparse.Namespace) -> int:
    src_c, src = _split(a.src)
    dst_c, dst = _split(a.dest)
    if src_c and dst_c:
        cli.warn("minidocker: copying between containers is not supported")
        return 1
    if not src_c and not dst_c:
        cli.warn("minidocker: must specify at least one container source")
        return 1
    if dst_c:
        return _to_container(cli, a, src, dst_c, dst)
    return _from_container(cli, a, src_c, src, dst)


def _tar_of(src: str, arcname: str, follow: bool, keep_owner: bool) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT, dereference=follow) as tar:
        def owner(info: tarfile.TarInfo) -> tarfile.TarInfo:
            if not keep_owner:
                info.uid = info.gid = 0
                info.uname = info.gname = ""
            return info

        tar.add(src, arcname=arcname, filter=owner)
    return buf.getvalue()


def _to_container(cli: Any, a: argparse.Namespace, src: str, container: str, dst: str) -> int:
    api = cli.api
    if not dst.startswith("/"):
        dst = "/" + dst
    if src == "-":
        data = sys.stdin.buffer.read()
        api.put_archive(container, dst, data)
        return 0
    if not os.path.lexists(src):
        cli.warn(f"lstat {os.path.abspath(src)}: no such file or directory")
        return 1
    stat = api.stat_archive(container, dst)
    src_name = os.path.basename(os.path.normpath(src))
    if stat is not None and (stat.get("mode", 0) & (1 << 31)):  # Go's os.ModeDir bit: copy into it
        target_dir, name = dst, src_name
    else:
        if dst.endswith("/") and stat is None:
            cli.warn("no such directory")
            return 1
        target_dir, name = posixpath.dirname(dst.rstrip("/")) or "/", posixpath.basename(dst.rstrip("/"))
    data = _tar_of(src, name, a.follow_link, a.archive)
    api.put_archive(container, target_dir, data)
    return 0


def _from_container(cli: Any, a: argparse.Namespace, container: str, src: str, dst: str) -> int:
    chunks, _stat = cli.api.get_archive(container, src)
    data = b"".join(chunks)
    if dst == "-":
        sys.stdout.buffer.write(data)
        return 0
    rename = None
    if os.path.isdir(dst):
        target = dst
    else:
        parent = os.path.dirname(os.path.abspath(dst))
        if not os.path.isdir(parent):
            cli.warn(f'invalid output path: directory "{parent}" does not exist')
            return 1
        target, rename = parent, os.path.basename(dst)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = tar.getmembers()
        if rename and members:
            top = members[0].name.split("/")[0]
            for m in members:
                parts = m.name.split("/")
                if parts[0] == top:
                    m.name = "/".join([rename] + parts[1:])
        kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(target, members=members, **kwargs)
    return 0
