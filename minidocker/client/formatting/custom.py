"""--format for list commands: "table TEMPLATE", "json", or a bare TEMPLATE per row (cf. docker/cli cli/command/formatter/formatter.go).

Each row is a dict of the fields docker's formatter exposes ({{.ID}}, {{.Names}}, ...). For "table",
the header line is the same template evaluated on the fields' header names, and the rows are
aligned like docker's tabwriter.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from . import table
from .template import execute


def write(fmt: str, rows: list[dict[str, Any]], headers: dict[str, str]) -> None:
    out = sys.stdout
    if fmt == "json":
        out.write("".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for r in rows))
        return
    if fmt.startswith("table"):
        template = fmt[len("table"):].strip() or "\t".join("{{." + k + "}}" for k in headers)
        lines = [execute(template, headers)] + [execute(template, r) for r in rows]
        out.write(table.render([line.split("\t") for line in lines]))
        return
    out.write("".join(execute(fmt, r) + "\n" for r in rows))
