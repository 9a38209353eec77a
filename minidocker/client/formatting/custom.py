"""--format for list commands: "table TEMPLATE", "json", or a bare TEMPLATE per row (cf. docker/cli cli/command/formatter/formatter.go).

Each row is a dict of the fields docker's formatter exposes ({{.ID}}, {{.Names}}, ...). As docker's
preFormat: the "table" prefix is cut, spaces trimmed, `\t` and `\n` escapes made real. For "table", the
header line is the same template evaluated on the fields' header names with docker's HeaderFunctions,
and the rows are aligned like docker's tabwriter.
"""

from __future__ import annotations

import sys

from . import table
from .gofmt import GoMap
from .template import TemplateError, check, execute

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any


# the formatter context docker's list commands execute on, known by one of their columns, and its fields
# (cf. docker/cli cli/command/formatter/container.go, image.go, volume.go, network.go)
_CONTEXTS = {
    "Names": ("*formatter.ContainerContext", "ID Names Image Command CreatedAt RunningFor Ports State Status Size "
                                             "Labels Label Mounts LocalVolumes Networks Platform"),
    "Repository": ("*formatter.imageContext", "ID Repository Tag Digest CreatedSince CreatedAt Size Containers "
                                              "VirtualSize SharedSize UniqueSize"),
    "Mountpoint": ("*formatter.volumeContext", "Name Driver Scope Mountpoint Labels Label Links Size Group "
                                               "Availability Status"),
    "Internal": ("*formatter.networkContext", "ID Name Driver Scope IPv6 Internal Labels Label CreatedAt"),
}


def _context(headers: dict[str, str]) -> tuple[str, frozenset[str]]:
    for key, (name, fields) in _CONTEXTS.items():
        if key in headers:
            return name, frozenset(fields.split())
    return "", frozenset()


def _row(row: dict[str, Any], context: tuple[str, frozenset[str]]) -> GoMap:
    """A row as docker's formatter context: its fields, and a Label(name) method beside Labels ("k=v,k2=v2")."""
    methods = {}
    if "Labels" in row:
        labels = dict(item.partition("=")[::2] for item in str(row["Labels"] or "").split(",") if item)
        methods["Label"] = lambda name: labels.get(name, "") if isinstance(name, str) else ""
    return GoMap(row, methods, *context)


def _header_label(name: Any) -> str:
    """docker's HeaderContext.Label: the label's last dotted part, dashes and underscores as spaces."""
    return str(name).split(".")[-1].replace("-", " ").replace("_", " ")


def write(fmt: str, rows: list[dict[str, Any]], headers: dict[str, str]) -> None:
    out = sys.stdout
    if fmt == "json":
        import json

        out.write("".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for r in rows))
        return
    is_table = fmt.startswith("table")
    template = (fmt[len("table"):] if is_table else fmt).strip(" ").replace("\\t", "\t").replace("\\n", "\n")
    if is_table:
        template = template or "\t".join("{{." + k + "}}" for k in headers)
    context = _context(headers)
    try:
        check(template)
    except TemplateError as err:  # docker's list commands check the template before asking the daemon
        raise TemplateError(err.message.replace("template parsing error:", "failed to parse template:", 1), 1) from None
    try:
        lines = [execute(template, _row(r, context)) for r in rows]
    except TemplateError as err:
        # docker reports line-1 columns in the format as given, "table " included
        import re

        rest = fmt.lstrip(" ")
        shift = len(fmt) - len(rest[len("table"):].lstrip(" ") if is_table else rest)
        message = re.sub(r"template: :1:(\d+):", lambda m: f"template: :1:{int(m.group(1)) + shift}:",
                         err.message, count=1).replace("template parsing error:", "failed to execute template:", 1)
        raise TemplateError(message, err.code) from None
    if not is_table:
        out.write("".join(line + "\n" for line in lines))
        return
    try:
        header = execute(template, GoMap(headers, {"Label": _header_label}), header=True)
    except TemplateError as err:  # docker ignores the error, keeping what the header wrote before it
        header = err.partial
    out.write(table.render([line.split("\t") for line in [header] + lines]))
