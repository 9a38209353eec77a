"""Small text shapes the docker CLI uses everywhere: short ids, ellipsis, Go-style quoting, names (cf. docker/cli cli/command/formatter)."""

from __future__ import annotations

from ...jsonfast import quote


def short_id(ident: str, trunc: bool = True) -> str:
    """stringid.TruncateID: drop the algorithm, keep 12 hex digits."""
    if ident.startswith("sha256:"):
        ident = ident[len("sha256:"):] if trunc else ident
    return ident[:12] if trunc else ident


def ellipsis(text: str, width: int) -> str:
    """formatter.Ellipsis: at most `width` characters, the last one an ellipsis when cut."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    return text[: width - 1] + "…"


def go_quote(text: str) -> str:
    """strconv.Quote, closely enough: double quotes, backslash escapes, printable unicode kept."""
    return quote(text)


def go_json(value: object, indent: int | None = 4) -> str:
    """JSON as docker inspect prints it: 4-space indent, HTML characters left alone (SetEscapeHTML(false))."""
    import json

    return json.dumps(value, indent=indent, ensure_ascii=False)


def container_names(names: list[str] | None, trunc: bool = True) -> str:
    """The NAMES column: names without their leading slash; links (a/b) hidden unless --no-trunc."""
    out = []
    for name in names or []:
        bare = name[1:] if name.startswith("/") else name
        if trunc and "/" in bare:
            continue
        out.append(bare)
    return ",".join(out)
