"""Sizes and durations as docker prints them, for the client and dockerd alike (cf. github.com/docker/go-units size.go, duration.go)."""

from __future__ import annotations

import time

_DECIMAL = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
_BINARY = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]


def _scaled(size: float, base: float, units: list[str]) -> tuple[float, str]:
    i = 0
    while size >= base and i < len(units) - 1:
        size /= base
        i += 1
    return size, units[i]


def human_size(size: float, precision: int = 4) -> str:
    """go-units HumanSizeWithPrecision: decimal units, `precision` significant digits ("1.982MB"; 3 -> "1.98MB")."""
    value, unit = _scaled(float(size), 1000.0, _DECIMAL)
    return f"{value:.{precision}g}{unit}"


def bytes_size(size: float) -> str:
    """go-units BytesSize: binary units, 4 significant digits ("23.54GiB")."""
    value, unit = _scaled(float(size), 1024.0, _BINARY)
    return f"{value:.4g}{unit}"


def human_duration(seconds: float) -> str:
    """go-units HumanDuration: "Less than a second", "2 minutes", "About an hour", "3 days"..."""
    s = int(seconds)
    if s < 1:
        return "Less than a second"
    if s == 1:
        return "1 second"
    if s < 60:
        return f"{s} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(round(seconds / 3600))
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


def ago(unix: float, now: float | None = None) -> str:
    """A creation time as the CREATED column shows it: "2 minutes ago"."""
    now = time.time() if now is None else now
    return human_duration(now - unix) + " ago"


def parse_rfc3339(text: str) -> float:
    """Docker's RFC 3339 timestamps (nanoseconds allowed) to a unix time; 0 for the zero time."""
    from datetime import datetime

    if not text or text.startswith("0001-01-01"):
        return 0.0
    main, _, frac = text.rstrip("Z").partition(".")
    zone = ""
    for sign in ("+", "-"):
        if sign in frac:
            frac, zone = frac.split(sign, 1)
            zone = sign + zone
    if not zone and text.endswith("Z"):
        zone = "+00:00"
    if not zone and "+" in main[10:]:
        main, zone = main[:19], main[19:]
    stamp = datetime.fromisoformat(main + (zone or "+00:00")).timestamp()
    return stamp + (float("0." + frac) if frac.isdigit() else 0.0)


_GO_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
             "m": 60_000_000_000, "h": 3_600_000_000_000}


def parse_go_duration(text: str) -> int:
    """Go's time.ParseDuration, in nanoseconds: "1h30m", "1.5s", "100ms", "0"; ValueError otherwise."""
    import re

    s = text.strip()
    sign = -1 if s.startswith("-") else 1
    s = s.lstrip("+-")
    if s == "0":
        return 0
    parts = re.findall(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)", s)
    if not s or "".join(a + b for a, b in parts) != s:
        raise ValueError(f"time: invalid duration {text!r}")
    return sign * round(sum(float(a) * _GO_UNITS[b] for a, b in parts))


def go_duration(ns: int) -> str:
    """Go's time.Duration.String(): "1h0m0s", "1m30s", "1.5s", "100ms", "0s"."""
    if ns == 0:
        return "0s"
    sign, ns = ("-" if ns < 0 else ""), abs(int(ns))
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                whole, frac = divmod(ns, size)
                digits = f"{frac:0{len(str(size)) - 1}d}".rstrip("0") if size > 1 else ""
                return f"{sign}{whole}{'.' + digits if digits else ''}{unit}"
    secs, frac = divmod(ns, 1_000_000_000)
    hours, secs = divmod(secs, 3600)
    minutes, secs = divmod(secs, 60)
    digits = f"{frac:09d}".rstrip("0")
    text = f"{secs}{'.' + digits if digits else ''}s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    if minutes:
        return f"{sign}{minutes}m{text}"
    return sign + text
