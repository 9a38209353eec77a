"""Rendering a JSON-message stream (pull, push, load, build) as the docker CLI does (cf. moby pkg/jsonmessage/jsonmessage.go).

Not a terminal: one line per message, progress bars left out. A terminal: one line per layer id,
rewritten in place with ANSI cursor moves as its status and progress bar change.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, TextIO

from ..errors import StreamError
from .units import human_size


def progress_text(detail: dict[str, Any] | None) -> str:
    """jsonmessage's progress: "[=====>     ]     1.2MB/3.4MB"; empty when there is nothing to show."""
    if not detail:
        return ""
    current, total = detail.get("current", 0) or 0, detail.get("total", 0) or 0
    if current <= 0 and total <= 0:
        return ""
    if total <= 0:
        return f"{human_size(current):>8}"
    width = 50
    bars = int(width * min(current / total, 1.0))
    if current < total:
        box = "[" + "=" * bars + ">" + " " * (width - bars) + "] "
    else:
        box = "[" + "=" * bars + "] "
    return box + f"{human_size(current):>8}/{human_size(total)}"


def message_text(msg: dict[str, Any], terminal: bool) -> str | None:
    """One message as jsonmessage.Display writes it (without the line end), or None when it is skipped."""
    progress = progress_text(msg.get("progressDetail"))
    if not terminal and progress:
        return None  # progress bars are for terminals only
    line = ""
    if msg.get("id"):
        line += f"{msg['id']}: "
    if msg.get("from"):
        line += f"(from {msg['from']}) "
    if terminal and progress:
        return line + f"{msg.get('status', '')} {progress}"
    if msg.get("progress"):
        return line + f"{msg.get('status', '')} {msg['progress']}"
    if "stream" in msg:
        return line + str(msg["stream"])
    return line + str(msg.get("status", ""))


def display_stream(messages: Iterable[dict[str, Any]], out: TextIO, terminal: bool | None = None,
                   on_aux: Callable[[dict[str, Any]], None] | None = None) -> None:
    """Write every message; aux goes to `on_aux`; an errorDetail raises StreamError (code kept for build)."""
    if terminal is None:
        terminal = out.isatty()
    lines: dict[str, int] = {}  # layer id -> line index, for rewriting in place
    for msg in messages:
        if msg.get("errorDetail") or msg.get("error"):
            detail = msg.get("errorDetail") or {}
            raise StreamError(detail.get("message") or msg.get("error") or "unknown error", detail.get("code") or 0)
        if "aux" in msg:
            if on_aux:
                on_aux(msg["aux"])
            continue
        text = message_text(msg, terminal)
        if text is None:
            continue
        ident = msg.get("id")
        if "stream" in msg:
            out.write(text)
        elif terminal and ident:
            if ident not in lines:
                lines[ident] = len(lines)
                out.write("\n")
            up = len(lines) - lines[ident]
            out.write(f"\x1b[{up}A\x1b[2K\r{text}\x1b[{up}B\r")
        else:
            if terminal:
                lines.clear()
            out.write(text + "\n")
        out.flush()


def tqdm_stream(messages: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """For notebooks: one tqdm bar per layer id, status lines printed; returns the aux payloads."""
    from tqdm.auto import tqdm

    bars: dict[str, Any] = {}
    aux: list[dict[str, Any]] = []
    try:
        for msg in messages:
            if msg.get("errorDetail") or msg.get("error"):
                detail = msg.get("errorDetail") or {}
                raise StreamError(detail.get("message") or msg.get("error"), detail.get("code") or 0)
            if "aux" in msg:
                aux.append(msg["aux"])
                continue
            if "stream" in msg:
                print(msg["stream"], end="")
                continue
            ident, detail = msg.get("id"), msg.get("progressDetail") or {}
            if ident and (detail.get("total") or ident in bars):
                bar = bars.get(ident)
                if bar is None:
                    bar = bars[ident] = tqdm(total=detail.get("total") or 0, desc=ident, unit="B", unit_scale=True)
                bar.set_postfix_str(msg.get("status", ""))
                if detail.get("current") is not None and detail.get("total"):
                    bar.total = detail["total"]
                    bar.n = detail["current"]
                    bar.refresh()
            else:
                print((f"{ident}: " if ident else "") + msg.get("status", ""))
    finally:
        for bar in bars.values():
            bar.close()
    return aux
