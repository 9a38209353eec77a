"""The build context: the directory as a tar, minus what .dockerignore excludes (cf. docker/cli cli/command/image/build/context.go).

The patterns' rules live in dockerd/builder/dockerignore.py (dockerd reads the same file). The Dockerfile
and .dockerignore are always sent, so the daemon can read them, even when the ignore file names them.
"""

from __future__ import annotations

import io
import os
import posixpath
import tarfile
from pathlib import Path

from ..dockerd.builder.dockerignore import Matcher, Pattern, read_dockerignore  # noqa: F401 - re-exported


def make_context_tar(context: Path, dockerfile: str = "Dockerfile", extra: dict[str, bytes] | None = None) -> bytes:
    """The context directory as an uncompressed tar (sorted, numeric owners kept), .dockerignore applied."""
    context = Path(context)
    matcher = Matcher(read_dockerignore(context))

    def whole_seconds(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mtime = int(info.mtime)  # a float mtime would cost a PAX header per file
        return info

    always = {posixpath.normpath(dockerfile), ".dockerignore"}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for root, dirs, files in os.walk(context):
            dirs.sort()
            rel_root = os.path.relpath(root, context)
            rel_root = "" if rel_root == "." else rel_root.replace(os.sep, "/")
            keep_dirs = []
            for name in dirs:
                rel = posixpath.join(rel_root, name) if rel_root else name
                full = os.path.join(root, name)
                if matcher.excluded(rel) and not matcher.has_exclusions:
                    continue  # nothing beneath can be re-included: do not descend
                if not matcher.excluded(rel):
                    tar.add(full, arcname=rel, recursive=False, filter=whole_seconds)
                if os.path.islink(full):
                    continue
                keep_dirs.append(name)
            dirs[:] = keep_dirs
            for name in sorted(files):
                rel = posixpath.join(rel_root, name) if rel_root else name
                if matcher.excluded(rel) and rel not in always:
                    continue
                tar.add(os.path.join(root, name), arcname=rel, recursive=False, filter=whole_seconds)
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
        end = tar.offset + 2 * tarfile.BLOCKSIZE
    # Go's archive/tar ends with the two zero blocks; Python pads to a 10 KiB record: drop the padding.
    return buf.getvalue()[:end]
