"""docker commit: a container's writable layer as a new image (cf. moby daemon/commit.go, daemon/images/image_commit.go, daemon/graphdriver/overlay2 Diff).

The layer is the snapshot's overlay upper directory written as an OCI changeset: overlay whiteouts
(0:0 character devices) become `.wh.<name>` files and opaque directories `.wh..wh..opq`, as
overlay2's Diff writes them. The image config is the container's config (or the one posted) merged
with it, then the `changes` (Dockerfile instructions) applied; history gains one entry whose
created_by is the container's Cmd. A commit with no change adds no layer (an empty_layer entry).
"""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
import tempfile
import time
from typing import Any, BinaryIO

from ..errors import InvalidArgument
from ..oci import image as oci
from . import changes as ch

CHANGE_COMMANDS = {"CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "STOPSIGNAL", "USER", "VOLUME",
                   "WORKDIR"}


def write_changeset(upper: str, lowers: list[str], out: BinaryIO) -> int:
    """Tar the upper directory as an OCI layer changeset; returns the number of entries written."""
    count = 0
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:

        def empty(name: str, like: os.stat_result) -> None:
            info = tarfile.TarInfo(name)
            info.mtime, info.uid, info.gid = int(like.st_mtime), like.st_uid, like.st_gid
            tar.addfile(info)

        def visit(rel_dir: str) -> None:
            nonlocal count
            for name in sorted(os.listdir(os.path.join(upper, rel_dir))):
                rel = os.path.join(rel_dir, name)
                path = os.path.join(upper, rel)
                st = os.lstat(path)
                if ch.hidden(upper, lowers, "/" + rel) or (stat.S_ISDIR(st.st_mode)
                                                           and ch._only_placeholders(upper, lowers, "/" + rel)):
                    continue
                count += 1
                if stat.S_ISCHR(st.st_mode) and os.major(st.st_rdev) == 0 and os.minor(st.st_rdev) == 0:
                    empty(os.path.join(rel_dir, ".wh." + name), st)
                    continue
                info = tar.gettarinfo(path, rel)
                info.uname = info.gname = ""
                if info.isreg():
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
                else:
                    tar.addfile(info)
                if stat.S_ISDIR(st.st_mode):
                    if ch._opaque(path):
                        empty(os.path.join(rel, ".wh..wh..opq"), st)
                    visit(rel)

        visit("")
    return count


def _merge(user: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """A posted config completed from the container's (cf. moby daemon/commit.go merge)."""
    out = dict(base)
    out.update({k: v for k, v in user.items() if v not in (None, "", [], {})})
    env = list(user.get("Env") or [])
    keys = {e.partition("=")[0] for e in env}
    out["Env"] = env + [e for e in base.get("Env") or [] if e.partition("=")[0] not in keys] or None
    out["Labels"] = {**(base.get("Labels") or {}), **(user.get("Labels") or {})}
    out["ExposedPorts"] = {**(base.get("ExposedPorts") or {}), **(user.get("ExposedPorts") or {})} or None
    out["Volumes"] = {**(base.get("Volumes") or {}), **(user.get("Volumes") or {})} or None
    if not user.get("Entrypoint") and not user.get("Cmd"):
        out["Cmd"], out["Entrypoint"] = base.get("Cmd"), base.get("Entrypoint")
    return out


def apply_changes(config: dict[str, Any], lines: list[str]) -> dict[str, Any]:
    """`docker commit --change 'CMD ["x"]'`: Dockerfile instructions that only touch the config."""
    if not lines:
        return config
    from .builder import parse
    from .builder.state import BuildState

    for line in lines:
        word = line.strip().split(None, 1)[0].upper() if line.strip() else ""
        if word not in CHANGE_COMMANDS:
            raise InvalidArgument(f"{word.lower() or line} is not a valid change command")
    stage = parse.parse("FROM scratch\n" + "\n".join(lines) + "\n").stages[0]
    state = BuildState.from_image(config, {})
    for ins in stage.instructions:
        state.apply(ins)
    return state.config


def commit(daemon: Any, c: Any, repo: str = "", tag: str = "", comment: str = "", author: str = "",
           changes: list[str] | None = None, config: dict[str, Any] | None = None) -> str:
    """Make the image; returns its id ("sha256:...")."""
    from .images import reference as refs

    target = refs.parse_repo_tag(repo, tag or None) if repo else None
    images = daemon.images
    parent = images.get(c.image_id)
    parent_cfg = json.loads(parent.raw_config)
    new_cfg = _merge(config or {}, dict(c.config)) if config else dict(c.config)
    new_cfg = apply_changes(new_cfg, list(changes or []))
    upper, lowers = ch.overlay_dirs(images.snapshots.mounts(c.rootfs_key))
    layers = list(parent.layers)
    diff_ids = list((parent_cfg.get("rootfs") or {}).get("diff_ids") or [])
    with tempfile.TemporaryFile() as f:
        entries = write_changeset(upper, lowers, f) if upper else 0
        if entries:
            f.seek(0)
            digest, size = images.content.write_blob(f)
            layers.append({"mediaType": oci.OCI_LAYER, "digest": digest, "size": size})
            diff_ids.append(digest)  # uncompressed: the blob's digest is its diff id
    created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{time.time_ns() % 1_000_000_000:09d}Z"
    history = list(parent_cfg.get("history") or [])
    entry = {"created": created, "created_by": " ".join(c.config.get("Cmd") or [])}
    if author:
        entry["author"] = author
    if comment:
        entry["comment"] = comment
    if not entries:
        entry["empty_layer"] = True
    history.append(entry)
    image_cfg = {
        "architecture": parent_cfg.get("architecture", "amd64"), "os": parent_cfg.get("os", "linux"),
        "config": new_cfg, "container": c.id, "container_config": dict(c.config), "created": created,
        "docker_version": daemon.version, "history": history,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    if author:
        image_cfg["author"] = author
    if comment:
        image_cfg["comment"] = comment
    image = images.register(oci.canonical_json(image_cfg), layers, parent=parent.id,
                            tags=[target] if target else ())
    return image.id if image.id.startswith("sha256:") else "sha256:" + image.id
