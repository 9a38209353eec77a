""".dockerignore patterns, read by the CLI to filter the context it sends and by dockerd to drop the Dockerfile
and .dockerignore when the file lists them (cf. moby/patternmatcher, builder/remotecontext/detect.go removeDockerfile).

Rules as Docker's: patterns are cleaned paths relative to the context root; `*` and `?` stop at `/`,
`**` crosses directories; a pattern that matches a parent directory excludes everything under it;
`!pattern` re-includes; the last matching pattern wins.
"""

from __future__ import annotations

import posixpath
import re
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
