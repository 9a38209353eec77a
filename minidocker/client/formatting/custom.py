"""--format for list commands: "table TEMPLATE", "json", or a bare TEMPLATE per row (cf. docker/cli cli/command/formatter/formatter.go).

Each row is a dict of the fields docker's formatter exposes ({{.ID}}, {{.Names}}, ...). As docker's
preFormat: the "table" prefix is cut, spaces trimmed, `\t` and `\n` escapes made real. For "table", the
header line is the same template evaluated on the fields' header names with docker's HeaderFunctions,
and the rows are aligned like docker's tabwriter.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from . import table
from .template import TemplateError, execute


def _with_label(row: dict[str, Any]) -> dict[str, Any]:
    """docker's contexts have a Label(name) method beside Labels ("k=v,k2=v2"): {{.Label "k"}}."""
    if "Labels" not in row or "Label" in row:
        return row
    labels = dict(item.partition("=")[::2] for item in str(row["Labels"] or "").split(",") if item)
    return dict(row, Label=lambda name: labels.get(name, "") if isinstance(name, str) else "")


def write(fmt: str, rows: list[dict[str, Any]], headers: dict[str, str]) -> None:
    out = sys.stdout
    if fmt == "json":
        out.write("".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for r in rows))
        return
    is_table = fmt.startswith("table")
    template = (fmt[len("table"):] if is_table else fmt).strip(" ").replace("\\t", "\t").replace("\\n", "\n")
    if is_table:
        template = template or "\t".join("{{." + k + "}}" for k in headers)
        try:
            lines = [execute(template, headers, header=True)]
        except TemplateError:  # docker ignores a header that fails to execute
            lines = [""]
        lines += [execute(template, _with_label(r)) for r in rows]
        out.write(table.render([line.split("\t") for line in lines]))
        return
    out.write("".join(execute(template, _with_label(r)) + "\n" for r in rows))
