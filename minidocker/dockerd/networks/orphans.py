"""Finding and removing the bridges and chains of engine roots that no longer exist (no upstream: Docker has one root per host).

Tests, notebooks and learners start many short-lived engines under throw-away MINIDOCKER_ROOTs; if
one is deleted without `cleanup_instance()`, its bridge and iptables chains would stay forever. So
every bridge we make carries an alias naming its owner ("minidocker <tag> <root>", see
`ip -d link`), and any engine's restore() sweeps those whose root directory is gone.
"""

from __future__ import annotations

import logging
from pathlib import Path

from . import bridge
from .nat import Chains

log = logging.getLogger(__name__)

SYS_NET = Path("/sys/class/net")
PREFIX = "minidocker"


def alias_for(tag: str, root: Path | None) -> str:
    return f"{PREFIX} {tag or '-'} {root or '/'}"


def parse_alias(text: str) -> tuple[str, Path] | None:
    words = text.strip().split(" ", 2)
    if len(words) != 3 or words[0] != PREFIX:
        return None
    return ("" if words[1] == "-" else words[1]), Path(words[2])


def orphans() -> list[tuple[str, str]]:
    """(bridge name, instance tag) of every engine bridge whose root directory no longer exists."""
    found = []
    for dev in sorted(SYS_NET.iterdir()) if SYS_NET.is_dir() else []:
        try:
            owner = parse_alias((dev / "ifalias").read_text())
        except OSError:
            continue
        if owner and owner[0] and not owner[1].exists():  # the system root ("-") is never an orphan
            found.append((dev.name, owner[0]))
    return found


def sweep() -> list[str]:
    """Delete orphaned bridges (their veths first) and their instance's chains; returns the bridges removed."""
    removed = []
    for name, tag in orphans():
        try:
            for port in (SYS_NET / name / "brif").iterdir() if (SYS_NET / name / "brif").is_dir() else []:
                bridge.delete(port.name)
            bridge.delete(name)
            Chains(tag).remove()
            removed.append(name)
        except Exception as err:  # noqa: BLE001 - hygiene must never stop a daemon from starting
            log.warning("network: sweeping orphan %s: %s", name, err)
    return removed
