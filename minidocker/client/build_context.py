"""The build context: the directory as a tar, minus what .dockerignore excludes (cf. moby/patternmatcher, docker/cli cli/command/image/build/context.go).

Rules as Docker's: patterns are cleaned paths relative to the context root; `*` and `?` stop at `/`,
`**` crosses directories; a pattern that matches a parent directory excludes everything under it;
`!pattern` re-includes; the last matching pattern wins. The Dockerfile and .dockerignore are always
sent, so the daemon can read them, even when the ignore file names them.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import tarfile
from pathlib import Path


class Pattern:
    def __init__(self, text: str) -> None:
        self.exclusion = text.startswith("!")
        text = text[1:] if self.exclusion else text
        text = posixpath.normpath(text.strip()).lstrip("/")
        self.text = text
        self.depth = text.count("/") + 1
        self.regex = re.compile(_to_regex(text))

    def matches(self, path: str) -> bool:
        if self.regex.fullmatch(path):
            return True
        # A pattern naming a directory excludes what lies beneath it: try the path's parents.
        parts = path.split("/")
        for n in range(1, len(parts)):
            if self.regex.fullmatch("/".join(parts[:n])):
                return True
        return False


def _to_regex(pattern: str) -> str:
    out, i = "", 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):  # "**/" = any number of leading directories
                out += "(?:.*/)?"
                i += 1
            else:
                out += ".*"
            continue
        if ch == "*":
            out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out += re.escape(ch)
            else:
                cls = pattern[i + 1:end]
                out += "[" + ("^" + cls[1:] if cls.startswith("^") else cls) + "]"
                i = end
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        else:
            out += re.escape(ch)
        i += 1
    return out


def read_dockerignore(context: Path) -> list[str]:
    path = context / ".dockerignore"
    if not path.is_file():
        return []
    lines = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


class Matcher:
    def __init__(self, patterns: list[str]) -> None:
        self.patterns = [Pattern(p) for p in patterns if p.strip("!").strip()]
        self.has_exclusions = any(p.exclusion for p in self.patterns)

    def excluded(self, rel: str) -> bool:
        result = False
        for pattern in self.patterns:
            if pattern.matches(rel):
                result = not pattern.exclusion
        return result


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
