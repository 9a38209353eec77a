"""What the Engine API returns for an image: summary, inspect and history shapes (cf. moby api/types image.go, daemon/images/image_history.go).

Pure functions of an Image plus its references and sizes, so they are tested without a daemon.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from . import reference as refs
from .store import Image

ZERO_TIME = "0001-01-01T00:00:00Z"

# The container config keys Docker always writes, in its order (api/types/container/config.go).
_CONTAINER_CONFIG_DEFAULTS: dict[str, Any] = {
    "Hostname": "", "Domainname": "", "User": "", "AttachStdin": False, "AttachStdout": False,
    "AttachStderr": False, "Tty": False, "OpenStdin": False, "StdinOnce": False, "Env": None,
    "Cmd": None, "Image": "", "Volumes": None, "WorkingDir": "", "Entrypoint": None,
    "OnBuild": None, "Labels": None,
}


def parse_time(value: str | None) -> _dt.datetime | None:
    """An RFC 3339 time with up to nanoseconds (Go writes 9 fraction digits; Python reads 6)."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if "." in text:
        head, rest = text.split(".", 1)
        digits = "".join(ch for ch in rest if ch.isdigit())
        tz = rest[len(digits):]
        text = f"{head}.{digits[:6].ljust(6, '0')}{tz}"
    try:
        parsed = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.timezone.utc)


def unix_time(value: str | None) -> int:
    parsed = parse_time(value)
    return int(parsed.timestamp()) if parsed else 0


def now_rfc3339() -> str:
    """Now as Go's RFC3339Nano (nanoseconds, Z)."""
    import time

    ns = time.time_ns()
    base = _dt.datetime.fromtimestamp(ns // 1_000_000_000, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{ns % 1_000_000_000:09d}Z"


def container_config(section: dict[str, Any] | None) -> dict[str, Any]:
    """An image's config section in Docker's full container-config shape (OCI configs carry only some keys)."""
    out = dict(_CONTAINER_CONFIG_DEFAULTS)
    for key, value in (section or {}).items():
        out[key] = value
    return out


def tags_and_digests(references: list[refs.Reference]) -> tuple[list[str], list[str]]:
    """Familiar repo:tag and repo@digest strings, as `docker images` and `inspect` show them."""
    tags = [r.familiar() for r in references if r.tag]
    digests = [r.familiar() for r in references if r.digest and not r.tag]
    return tags, digests


def summary(image: Image, references: list[refs.Reference], size: int) -> dict[str, Any]:
    """One entry of GET /images/json (types.ImageSummary as API 1.41 fills it)."""
    tags, digests = tags_and_digests(references)
    return {
        "Containers": -1,
        "Created": unix_time(image.config.get("created")),
        "Id": image.id,
        "Labels": (image.config.get("config") or {}).get("Labels"),
        "ParentId": image.parent,
        "RepoDigests": digests or None,
        "RepoTags": tags or None,
        "SharedSize": -1,
        "Size": size,
        "VirtualSize": size,
    }


def inspect(image: Image, references: list[refs.Reference], size: int, graph: dict[str, Any]) -> dict[str, Any]:
    """GET /images/{name}/json (types.ImageInspect)."""
    cfg = image.config
    tags, digests = tags_and_digests(references)
    return {
        "Id": image.id,
        "RepoTags": tags,
        "RepoDigests": digests,
        "Parent": image.parent,
        "Comment": cfg.get("comment", ""),
        "Created": cfg.get("created", ZERO_TIME),
        "Container": cfg.get("container", ""),
        "ContainerConfig": container_config(cfg.get("container_config")),
        "DockerVersion": cfg.get("docker_version", ""),
        "Author": cfg.get("author", ""),
        "Config": container_config(cfg.get("config")),
        "Architecture": cfg.get("architecture", ""),
        **({"Variant": cfg["variant"]} if cfg.get("variant") else {}),
        "Os": cfg.get("os", ""),
        "Size": size,
        "VirtualSize": size,
        "GraphDriver": graph,
        "RootFS": {"Type": (cfg.get("rootfs") or {}).get("type", "layers"), "Layers": image.diff_ids},
        "Metadata": {"LastTagTime": image.last_tag_time or ZERO_TIME},
    }


def history(image: Image, layer_sizes: list[int], lineage: list[tuple[str, list[str]]]) -> list[dict[str, Any]]:
    """GET /images/{name}/history: newest first; ids only where a local image (walking parents) matches.

    lineage is [(image id, tags)] for the image, its parent, its parent's parent...; each history entry
    from the top takes the next one, the rest stay "<missing>" (cf. moby daemon/images/image_history.go).
    """
    entries: list[dict[str, Any]] = []
    layer = 0
    for h in image.config.get("history") or []:
        size = 0
        if not h.get("empty_layer"):
            size = layer_sizes[layer] if layer < len(layer_sizes) else 0
            layer += 1
        entries.append({"Comment": h.get("comment", ""), "Created": unix_time(h.get("created")),
                        "CreatedBy": h.get("created_by", ""), "Id": "<missing>", "Size": size, "Tags": None})
    if not entries:  # a config without history (hand-made OCI images): one line per image
        entries.append({"Comment": "", "Created": unix_time(image.config.get("created")), "CreatedBy": "",
                        "Id": "<missing>", "Size": sum(layer_sizes), "Tags": None})
    entries.reverse()
    for entry, (image_id, tags) in zip(entries, lineage):
        entry["Id"] = image_id
        entry["Tags"] = tags or None
    return entries
