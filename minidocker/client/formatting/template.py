"""A small subset of Go templates for --format: {{.A.B}}, {{json .A}}, {{index .A "k"}}, {{upper .A}}, {{lower .A}} (cf. docker/cli templates/templates.go).

Enough for the course's `inspect -f '{{.State.Pid}}'` and `{{json .Config.Env}}`; anything else is
refused with a clear error rather than printed wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any

_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")
_ARG = re.compile(r'"((?:[^"\\]|\\.)*)"|(\.[\w.]*)|(\S+)')


def _lookup(data: Any, path: str) -> Any:
    value = data
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


def _eval(expr: str, data: Any) -> str:
    args = [m.group(1) if m.group(1) is not None else (m.group(2) or m.group(3)) for m in _ARG.finditer(expr)]
    if not args:
        return ""
    head = args[0]
    if head.startswith("."):
        return _go_str(_lookup(data, head))
    values = [_lookup(data, a) if a.startswith(".") else a for a in args[1:]]
    if head == "json" and len(values) == 1:
        return json.dumps(values[0], separators=(",", ":"), ensure_ascii=False)  # docker: no HTML escaping
    if head == "index" and len(values) == 2:
        container, key = values
        if isinstance(container, list):
            return _go_str(container[int(key)])
        return _go_str((container or {}).get(key))
    if head in ("upper", "lower") and len(values) == 1:
        text = _go_str(values[0])
        return text.upper() if head == "upper" else text.lower()
    if head == "join" and len(values) == 2:
        return str(values[1]).join(str(v) for v in values[0] or [])
    raise ValueError(f"template: unsupported action {{{{{expr}}}}} (minidocker supports .Field, json, index, "
                     f"join, upper, lower)")


def execute(template: str, data: Any) -> str:
    """Render one object; `\\n` and `\\t` escapes are honoured as docker does."""
    template = template.replace("\\n", "\n").replace("\\t", "\t")
    return _ACTION.sub(lambda m: _eval(m.group(1), data), template)
