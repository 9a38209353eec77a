"""A small subset of Go templates for --format: fields, json, index, join, upper, lower, range/end, if/else/end (cf. docker/cli templates/templates.go, text/template).

Enough for the course's `inspect -f '{{.State.Pid}}'`, `{{json .Config.Env}}` and the classic
`{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}`; anything else is refused with a clear error
rather than printed wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any

_ACTION = re.compile(r"\{\{(-?)\s*(.*?)\s*(-?)\}\}", re.S)
_KEYWORD = re.compile(r"(range|if|else|end)(?=\s|\.|$)")
_ARG = re.compile(r'"((?:[^"\\]|\\.)*)"|(\.[\w.]*)|(\S+)')


def _lookup(dot: Any, path: str) -> Any:
    value = dot
    for part in [p for p in path.split(".") if p]:
        if isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def _go_str(value: Any) -> str:
    """How text/template prints a value: maps as map[k:v], lists as [a b], nil as <no value>."""
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_str(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_str(v) for v in value) + "]"
    return str(value)


def _value(expr: str, dot: Any) -> Any:
    """Evaluate a pipeline-free command: .Field, "str", or a function applied to arguments."""
    args = [m.group(1) if m.group(1) is not None else (m.group(2) or m.group(3)) for m in _ARG.finditer(expr)]
    if not args:
        return ""
    head = args[0]
    if head.startswith("."):
        return _lookup(dot, head)
    if expr.startswith('"'):
        return head
    values = [_lookup(dot, a) if a.startswith(".") else a for a in args[1:]]
    if head == "json" and len(values) == 1:
        return json.dumps(values[0], separators=(",", ":"), ensure_ascii=False)  # docker: no HTML escaping
    if head == "index" and len(values) == 2:
        container, key = values
        if isinstance(container, list):
            return container[int(key)]
        return (container or {}).get(key)
    if head in ("upper", "lower") and len(values) == 1:
        text = _go_str(values[0])
        return text.upper() if head == "upper" else text.lower()
    if head == "join" and len(values) == 2:
        return str(values[1]).join(str(v) for v in values[0] or [])
    if head == "len" and len(values) == 1:
        return len(values[0] or [])
    raise ValueError(f"template: unsupported action {{{{{expr}}}}} (minidocker supports .Field, json, index, "
                     f"join, len, upper, lower, range, if)")


def _parse(template: str) -> list[Any]:
    """Text and actions into a tree: str | ("expr", e) | ("range", e, body) | ("if", e, then, else)."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    for m in _ACTION.finditer(template):
        text = template[pos:m.start()]
        if m.group(1):
            text = text.rstrip()
        if tokens and tokens[-1][0] == "trim_next":
            tokens.pop()
            text = text.lstrip()
        tokens.append(("text", text))
        tokens.append(("action", m.group(2)))
        if m.group(3):
            tokens.append(("trim_next", ""))
        pos = m.end()
    rest = template[pos:]
    if tokens and tokens[-1][0] == "trim_next":
        tokens.pop()
        rest = rest.lstrip()
    tokens.append(("text", rest))

    def block(i: int, stops: tuple[str, ...]) -> tuple[list[Any], int, str]:
        nodes: list[Any] = []
        while i < len(tokens):
            kind, value = tokens[i]
            i += 1
            if kind == "text":
                nodes.append(value)
                continue
            keyword = _KEYWORD.match(value)  # Go accepts {{range.X}} as well as {{range .X}}
            word = keyword.group(1) if keyword else ""
            if word in stops:
                return nodes, i, word
            if word in ("range", "if"):
                body, i, stop = block(i, ("end", "else"))
                other: list[Any] = []
                if stop == "else":
                    other, i, _ = block(i, ("end",))
                nodes.append((word, value[len(word):].strip(), body, other))
            elif word in ("end", "else"):
                raise ValueError(f"template: unexpected {{{{{value}}}}}")
            else:
                nodes.append(("expr", value))
        if stops:
            raise ValueError("template: unexpected EOF (missing {{end}})")
        return nodes, i, ""

    return block(0, ())[0]


def _truthy(value: Any) -> bool:
    return bool(value) and value != "<no value>"


def _render(nodes: list[Any], dot: Any) -> str:
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif node[0] == "expr":
            value = dot if node[1] == "." else _value(node[1], dot)
            out.append(value if isinstance(value, str) else _go_str(value))
        elif node[0] == "range":
            items = dot if node[1] == "." else _value(node[1], dot)
            seq = [items[k] for k in sorted(items)] if isinstance(items, dict) else list(items or [])
            out.append("".join(_render(node[2], item) for item in seq) if seq else _render(node[3], dot))
        elif node[0] == "if":
            out.append(_render(node[2] if _truthy(_value(node[1], dot)) else node[3], dot))
    return "".join(out)


def execute(template: str, data: Any) -> str:
    """Render one object; `\\n` and `\\t` escapes are honoured as docker does."""
    template = template.replace("\\n", "\n").replace("\\t", "\t")
    return _render(_parse(template), data)
