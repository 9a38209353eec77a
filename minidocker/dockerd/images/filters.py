"""The `filters` of GET /images/json and POST /images/prune (cf. moby daemon/images/images.go, image_prune.go).

Filters arrive as {"key": ["value", ...]}; unknown keys are refused (as Docker does: "invalid filter 'x'").
"""

from __future__ import annotations

import re
from typing import Callable

from ...errors import InvalidArgument
from . import reference as refs
from .store import Image

LIST_KEYS = {"dangling", "label", "before", "since", "reference"}
PRUNE_KEYS = {"dangling", "label", "label!", "until"}


def validate(filters: dict[str, list[str]], allowed: set[str]) -> None:
    for key in filters:
        if key not in allowed:
            raise InvalidArgument(f"invalid filter '{key}'")


def dangling_only(filters: dict[str, list[str]]) -> bool | None:
    """dangling=true -> True, dangling=false -> False, absent -> None (cf. filters.Args.GetBoolOrDefault)."""
    values = filters.get("dangling")
    if not values:
        return None
    words = {v.lower() for v in values}
    if words - {"true", "false", "1", "0"}:
        raise InvalidArgument(f"invalid filter 'dangling={values[0]}'")
    if len(words) > 1 and ({"true", "1"} & words) and ({"false", "0"} & words):
        raise InvalidArgument("invalid filter 'dangling': conflicting values")
    return bool(words & {"true", "1"})


def path_match(pattern: str, text: str) -> bool:
    """Go's path.Match: '*' and '?' never cross a '/', [...] classes; a bad pattern matches nothing."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                return False
            body = pattern[i + 1:end]
            if body.startswith("^"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    try:
        return re.fullmatch("".join(out), text) is not None
    except re.error:
        return False


def reference_matches(patterns: list[str], ref: refs.Reference) -> bool:
    """FamiliarMatch: the pattern against busybox:latest, and, when it names no tag, against busybox too."""
    for pattern in patterns:
        if path_match(pattern, ref.familiar()) or path_match(pattern, ref.familiar_name):
            return True
    return False


def label_matcher(values: list[str], negated: list[str] | None = None) -> Callable[[dict[str, str] | None], bool]:
    """label=key or label=key=value must all hold; label!=... (prune only) must all fail (cf. filters.Args.MatchKVList)."""

    def holds(labels: dict[str, str], item: str) -> bool:
        key, sep, want = item.partition("=")
        return key in labels and (not sep or labels[key] == want)

    def matches(labels: dict[str, str] | None) -> bool:
        labels = labels or {}
        return all(holds(labels, i) for i in values) and not any(holds(labels, i) for i in negated or [])

    return matches


def until_time(values: list[str]) -> int | None:
    """until=<unix seconds> | <RFC 3339 time> | <Go duration before now> (cf. filters.GetTimestamp)."""
    if not values:
        return None
    import time

    from .views import parse_time

    text = values[-1]
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return int(float(text))
    parsed = parse_time(text)
    if parsed is not None:
        return int(parsed.timestamp())
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|m|s)", text)
    if not parts or "".join(a + b for a, b in parts) != text:
        raise InvalidArgument(f"invalid filter 'until={text}'")
    seconds = sum(float(a) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[u] for a, u in parts)
    return int(time.time() - seconds)


def created_bound(values: list[str], resolve: Callable[[str], Image], key: str) -> int | None:
    """before=IMAGE / since=IMAGE: the creation time of the named image (the last value wins, as in Docker)."""
    if not values:
        return None
    from .views import unix_time

    image = resolve(values[-1])
    return unix_time(image.config.get("created"))
