"""`.dockerignore` patterns (cf. moby/patternmatcher and docker/cli's build context).

Each line is a Go filepath.Match pattern with `**` for any number of directories; a leading `!`
re-includes; the LAST matching line decides; a pattern that matches a directory excludes
everything under it. Used by the CLI when it makes the context tar, as docker's CLI does.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Pattern:
    text: str
    exclusion: bool
    regex: re.Pattern[str]


def _translate(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            if pattern.startswith("**", i):
                i += 2
                if pattern.startswith("/", i):  # "**/" : zero or more directories
                    i += 1
                    out.append("(?:.*/)?")
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                raise ValueError(f"syntax error in pattern {pattern!r}")
            body = pattern[i + 1:end]
            out.append("[" + ("^" + body[1:] if body.startswith("^") else body) + "]")
            i = end
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("^" + "".join(out) + "$")


def parse(text: str) -> list[Pattern]:
    """The patterns of a .dockerignore file, cleaned as Docker cleans them."""
    patterns = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        if exclusion:
            line = line[1:].strip()
        cleaned = posixpath.normpath(line).lstrip("/") or "."
        if cleaned == ".":
            continue
        patterns.append(Pattern(cleaned, exclusion, _translate(cleaned)))
    return patterns


def excluded(path: str, patterns: list[Pattern]) -> bool:
    """Whether a context-relative path is left out: the last pattern matching it or a parent decides."""
    path = posixpath.normpath(path).lstrip("/")
    parents = [path]
    while "/" in parents[-1]:
        parents.append(parents[-1].rsplit("/", 1)[0])
    result = False
    for pattern in patterns:
        if any(pattern.regex.match(p) for p in parents):
            result = not pattern.exclusion
    return result
