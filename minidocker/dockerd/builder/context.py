"""The build context on disk, and what COPY/ADD take from it (cf. moby builder/dockerfile/copy.go).

Sources are matched with Go's filepath.Match wildcards against context-relative paths; each
copy is checksummed over its paths, modes and bytes, which is what keys the build cache (a
changed file gives a new key, so the step and those after it run again).
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import posixpath
import stat
from dataclasses import dataclass
from pathlib import Path

from ...errors import InvalidArgument


@dataclass(frozen=True)
class Source:
    """One matched source: its path in the context and whether it is a directory."""

    rel: str
    path: Path
    is_dir: bool


class BuildContext:
    """A directory holding the (already .dockerignore-filtered) context the client sent."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def _inside(self, rel: str) -> Path:
        # Sources are relative to the context: "../x" and "/x" both mean paths inside it (Docker cleans them).
        cleaned = posixpath.normpath("/" + rel).lstrip("/")
        return self.root / cleaned if cleaned else self.root

    def match(self, pattern: str) -> list[Source]:
        """The sources a COPY/ADD argument names; wildcards expand; a miss is Docker's error."""
        cleaned = posixpath.normpath("/" + pattern).lstrip("/")
        if not any(c in cleaned for c in "*?["):
            path = self._inside(cleaned)
            if not os.path.lexists(path) or not self._contained(path):
                raise InvalidArgument(
                    f"COPY failed: file not found in build context or excluded by .dockerignore: stat {cleaned}: file does not exist")
            return [Source(cleaned or ".", path, path.is_dir() and not path.is_symlink())]
        found = []
        for rel in self._walk():
            if fnmatch.fnmatchcase(rel, cleaned) and self._segments_match(rel, cleaned):
                path = self.root / rel
                found.append(Source(rel, path, path.is_dir() and not path.is_symlink()))
        if not found:
            raise InvalidArgument(f"COPY failed: no source files were specified (pattern {pattern!r})")
        return found

    @staticmethod
    def _segments_match(rel: str, pattern: str) -> bool:
        # filepath.Match never lets '*' cross '/': compare segment by segment.
        a, b = rel.split("/"), pattern.split("/")
        return len(a) == len(b) and all(fnmatch.fnmatchcase(x, y) for x, y in zip(a, b))

    def _contained(self, path: Path) -> bool:
        return os.path.realpath(path.parent).startswith(str(self.root)) or path == self.root

    def _walk(self) -> list[str]:
        out = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames.sort()
            for name in dirnames + sorted(filenames):
                out.append(os.path.relpath(os.path.join(dirpath, name), self.root))
        return out

    def checksum(self, sources: list[Source]) -> str:
        """sha256 over every copied path, its type, mode and content: the cache key part of COPY/ADD."""
        h = hashlib.sha256()
        for src in sources:
            for rel, path in self.files_under(src):
                st = os.lstat(path)
                h.update(f"{rel}\0{stat.S_IFMT(st.st_mode)}\0{stat.S_IMODE(st.st_mode)}\0".encode())
                if stat.S_ISLNK(st.st_mode):
                    h.update(os.readlink(path).encode())
                elif stat.S_ISREG(st.st_mode):
                    with open(path, "rb") as f:
                        for block in iter(lambda: f.read(1 << 20), b""):
                            h.update(block)
                h.update(b"\n")
        return h.hexdigest()

    @staticmethod
    def files_under(src: Source) -> list[tuple[str, Path]]:
        """The source itself, then (for a directory) everything below it, in a stable order."""
        out = [(src.rel, src.path)]
        if src.is_dir:
            for dirpath, dirnames, filenames in os.walk(src.path):
                dirnames.sort()
                for name in dirnames + sorted(filenames):
                    full = Path(dirpath) / name
                    out.append((posixpath.join(src.rel, os.path.relpath(full, src.path)), full))
        return out
