"""`docker import` (a root filesystem tar becomes a one-layer image) and `docker export` (a container's filesystem as a tar) (cf. moby daemon/images/image_import.go, daemon/export.go).

import: the tar (plain or gzip) is stored as the image's single layer blob, uncompressed so its digest
is its diff id; the config says `Imported from -` (or the --message) and takes the --change lines
(CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR, HEALTHCHECK).
export: the container's snapshot is mounted read-only (its upper and lower directories all as overlay
lowerdirs, so the running container's own overlay is not disturbed) and packed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import platform
import tarfile
import tempfile
import uuid
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterator

from ...errors import InvalidArgument, NotFound, Unsupported
from ...oci import image as oci
from . import reference as refs
from . import views

if TYPE_CHECKING:
    from .service import ImageService

CHUNK = 1 << 16
ALLOWED_CHANGES = {"CMD", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "ONBUILD", "STOPSIGNAL",
                   "USER", "VOLUME", "WORKDIR"}


def apply_changes(changes: list[str]) -> dict[str, Any]:
    """The container config that Dockerfile-style --change lines make, starting from nothing."""
    if not changes:
        return {}
    from ..builder.parse import parse
    from ..builder.state import BuildState

    for line in changes:
        word = line.strip().split(None, 1)[0].upper() if line.strip() else ""
        if word not in ALLOWED_CHANGES:
            raise InvalidArgument(f"{word or line!r} is not a valid change command")
    dockerfile = parse("FROM scratch\n" + "\n".join(changes) + "\n")
    state = BuildState.from_image({}, {})
    for ins in dockerfile.stages[0].instructions:
        state.apply(ins)
    return state.config


def _spool_layer(stream: IO[bytes], dest: Path) -> tuple[str, int]:
    """Copy the (maybe gzip) tar uncompressed into dest, checking it is a tar; (diff id, bytes of files)."""
    digest = hashlib.sha256()
    head = stream.read(2)
    from .blobs import _Prepended

    body: IO[bytes] = _Prepended(head, stream)  # type: ignore[assignment]
    if head == b"\x1f\x8b":
        body = gzip.GzipFile(fileobj=body)  # type: ignore[assignment]
    try:
        with open(dest, "wb") as out:
            while chunk := body.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        files = 0
        with tarfile.open(dest, mode="r:") as tar:
            for member in tar:
                if member.isreg():
                    files += member.size
    except (tarfile.TarError, OSError, EOFError) as err:
        raise InvalidArgument(f"invalid tar archive for import: {err}") from None
    return "sha256:" + digest.hexdigest(), files


def import_image(svc: "ImageService", stream: IO[bytes], repo: str = "", tag: str = "", message: str = "",
                 changes: list[str] | None = None, src: str = "-") -> str:
    """POST /images/create?fromSrc=-: returns the new image id."""
    if src != "-":
        raise Unsupported(f"importing from a URL ({src}) is not supported: pipe the tar in with fromSrc=-")
    target = refs.parse_repo_tag(repo, tag or None) if repo else None
    runtime = apply_changes(list(changes or []))
    tmp_root = svc.root / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp_root, prefix="import-") as tmp:
        layer = Path(tmp) / "layer.tar"
        diff_id, files = _spool_layer(stream, layer)
        with open(layer, "rb") as f:
            _check_unpackable(f, Path(tmp))
        with open(layer, "rb") as f:
            svc.blobs.write(f, expected=diff_id, ref=f"import-{uuid.uuid4().hex[:8]}")
        size = layer.stat().st_size
    now = views.now_rfc3339()
    comment = message or f"Imported from {src}"
    config = {
        "architecture": _arch(), "comment": comment, "config": views.container_config(runtime),
        "container_config": views.container_config({}), "created": now, "docker_version": "minidocker",
        "history": [{"created": now, "comment": comment}], "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }
    raw = json.dumps(config, separators=(",", ":")).encode()
    image = svc.register(raw, [{"mediaType": oci.OCI_LAYER, "digest": diff_id, "size": size}],
                         tags=[target] if target else [])
    svc.note_layer_size(diff_id, files)
    return image.id


def _check_unpackable(f: IO[bytes], scratch: Path) -> None:
    """Refuse now what could never become a container's root filesystem (bad hard link, file/dir clash)."""
    from ...containerd.archive import check_unpackable

    try:
        check_unpackable(f, scratch)
    except InvalidArgument as err:
        raise InvalidArgument(f"invalid tar archive for import: {err}") from None


def _arch() -> str:
    machine = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def export_container(svc: "ImageService", container_id: str) -> Iterator[bytes]:
    """GET /containers/{id}/export: the container's merged filesystem as a tar stream."""
    from ...linux import mountall

    try:
        mounts = svc.snapshots.mounts(container_id)
    except NotFound:
        raise NotFound(f"No such container: {container_id}") from None
    tmp_root = svc.root / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    target = Path(tempfile.mkdtemp(dir=tmp_root, prefix="export-"))
    spool = tempfile.TemporaryFile(dir=tmp_root)
    try:
        mountall.mount_all(_read_only(mounts), target)
        try:
            with tarfile.open(fileobj=spool, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for entry in sorted(os.listdir(target)):
                    tar.add(target / entry, arcname=entry)
        finally:
            mountall.unmount_all(target)
    finally:
        os.rmdir(target)
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while data := spool.read(CHUNK):
                yield data

    return chunks()


def _read_only(mounts: list[Any]) -> list[Any]:
    """The same filesystem, read-only, without touching the container's upper/work directories."""
    from ...oci.mount import Mount

    out = []
    for m in mounts:
        if m.type == "overlay":
            lowers = [m.option("upperdir")] if m.option("upperdir") else []
            lowers += (m.option("lowerdir") or "").split(":")
            lowers = [x for x in lowers if x]
            if len(lowers) == 1:
                out.append(Mount("bind", lowers[0], ["ro", "rbind"]))
            else:
                out.append(Mount("overlay", "overlay", ["ro", "lowerdir=" + ":".join(lowers)]))
        else:
            out.append(Mount(m.type, m.source, [o for o in m.options if o != "rw"] + ["ro"]))
    return out
