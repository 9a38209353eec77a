"""A chapter's own engine, brought back to a known start: no containers, only busybox:latest (cf. `docker system prune -a`).

Chapters that delete and make images (07, 09) run against an engine of their own, under a
MINIDOCKER_ROOT they pick, so that running them twice, or beside other chapters, starts the same way.
Everything goes through the engine's own commands; when busybox:latest is gone (a run stopped after
emptying the store), restarting the daemon seeds it again, as every fresh engine is seeded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BASE = "busybox:latest"


def ids(eng: Any, *args: str) -> list[str]:
    """The ids a listing command prints one per line (`ps -aq`, `images -qa`), each once, in order."""
    seen: list[str] = []
    for line in eng(*args).split():
        if line not in seen:
            seen.append(line)
    return seen


def reset(root: str | Path, keep: str = BASE) -> Any:
    """The engine at root, started if needed, with no containers and no images but `keep`.

    root: a path, or a chapter's name ("ch07"): its own engine under the course root (see teach.engine).
    """
    from minidocker import teach

    eng = teach.engine(root)
    containers = ids(eng, "ps", "-aq")
    if containers:
        eng("rm", "-f", *containers)
    if eng.status("image", "inspect", keep)[0] != 0:
        eng.stop()  # dockerd seeds busybox:latest at start-up when the store lacks it
        eng = teach.engine(root)
    kept = eng("image", "inspect", "--format", "{{.Id}}", keep).strip()
    for ref in json.loads(eng("image", "inspect", "--format", "{{json .RepoTags}}", keep)):
        if ref not in (keep, "docker.io/library/" + keep):
            eng("rmi", ref)  # another name for the same image: untag only
    others = [i for i in ids(eng, "images", "-qa", "--no-trunc") if i != kept]
    if others:
        eng("rmi", "-f", *others, check=False)  # parents may already be gone with their children
    eng("image", "prune", "-f")
    return eng

