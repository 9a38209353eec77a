"""rmi and image prune with Docker's rules: untag versus delete, hard and soft conflicts (cf. moby daemon/images/image_delete.go, image_prune.go).

- `rmi NAME` removes that one reference; the image goes only when no reference is left.
- `rmi ID` deletes the image; with several repositories naming it, 409 unless forced.
- A running container or a child image is a hard conflict (never forced); a stopped container or
  other references are soft ones (-f overrides them).
- Deleting an image prunes its untagged parents (build intermediates), quietly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import Conflict, NotFound
from . import filters as flt
from . import reference as refs
from . import views
from .store import Image

if TYPE_CHECKING:
    from .service import ImageService

CHILD, RUNNING, REFERENCE, STOPPED = 1, 2, 4, 8
GC_CONFIG_LABEL = "containerd.io/gc.ref.content.config"  # on a manifest blob: the config it names
HARD = CHILD | RUNNING
SOFT = REFERENCE | STOPPED


class ImageConflict(Conflict):
    """`conflict: unable to delete <id> (must be forced|cannot be forced) - <why>`."""

    def __init__(self, image_id: str, message: str, hard: bool = False, used: bool = False) -> None:
        self.hard, self.used = hard, used
        how = "cannot be forced" if hard else "must be forced"
        super().__init__(f"conflict: unable to delete {image_id[7:19]} ({how}) - {message}")


def _conflict(svc: "ImageService", image: Image, mask: int) -> ImageConflict | None:
    if mask & CHILD and svc.store.children(image.id):
        return ImageConflict(image.id, "image has dependent child images", hard=True)
    users = svc.containers_using(image.id)
    if mask & RUNNING:
        for cid, running in users:
            if running:
                return ImageConflict(image.id, f"image is being used by running container {cid[:12]}", hard=True, used=True)
    if mask & REFERENCE and svc.store.references(image.id):
        return ImageConflict(image.id, "image is referenced in multiple repositories")
    if mask & STOPPED:
        for cid, running in users:
            if not running:
                return ImageConflict(image.id, f"image is being used by stopped container {cid[:12]}", used=True)
    return None


def _is_id_prefix(image_id: str, name: str) -> bool:
    hexpart = name[7:] if name.startswith("sha256:") else name
    return bool(refs.SHORT_ID_RE.match(name)) and image_id[7:].startswith(hexpart)


def _single_reference(references: list[refs.Reference]) -> bool:
    """At most one tag, and every reference in one repository (cf. isSingleReference)."""
    return sum(1 for r in references if r.tag) <= 1 and len({r.name for r in references}) <= 1


def remove(svc: "ImageService", name: str, force: bool, prune: bool) -> list[dict[str, str]]:
    """DELETE /images/{name}: the list of {"Untagged": ref} and {"Deleted": id} records."""
    image = svc.get(name)
    records: list[dict[str, str]] = []
    references = svc.store.references(image.id)
    by_reference = not _is_id_prefix(image.id, name)
    quiet_parent = False
    if by_reference:
        users = svc.containers_using(image.id)
        if users and len(references) == 1 and not force:
            raise Conflict(f"conflict: unable to remove repository reference \"{name}\" (must force) - "
                           f"container {users[0][0][:12]} is using its referenced image {image.id[7:19]}")
        removed = refs.parse(name).tagged_or_latest()
        svc.store.remove_reference(removed)
        records.append({"Untagged": removed.familiar()})
        references = svc.store.references(image.id)
        if removed.tag and not any(r.tag and r.name == removed.name for r in references):
            # The last tag of a repository went: its digest references go with it.
            for r in [r for r in references if r.digest and r.name == removed.name]:
                svc.store.remove_reference(r)
                records.append({"Untagged": r.familiar()})
            references = svc.store.references(image.id)
        if references:
            return records
        quiet_parent = True
    elif _single_reference(references):
        mask = HARD if force else HARD | STOPPED
        found = _conflict(svc, image, mask)
        if found:
            raise found
        for r in references:
            svc.store.remove_reference(r)
            records.append({"Untagged": r.familiar()})
    _delete(svc, image, records, force, prune, quiet_parent)
    return records


def _delete(svc: "ImageService", image: Image, records: list[dict[str, str]], force: bool, prune: bool,
            quiet: bool) -> None:
    """Delete one image (and, with prune, its now-unreferenced parents); cf. imageDeleteHelper."""
    mask = HARD if force else HARD | SOFT
    found = _conflict(svc, image, mask)
    if found:
        # cf. moby imageIsDangling: no names AND no child images (a build parent is not dangling)
        dangling = not svc.store.references(image.id) and not svc.store.children(image.id)
        if quiet and (not dangling or found.used):
            return
        raise found
    for r in svc.store.references(image.id):
        svc.store.remove_reference(r)
        records.append({"Untagged": r.familiar()})
    parent = image.parent
    svc.store.delete(image.id)
    records.append({"Deleted": image.id})
    _drop_documents(svc, image)
    for chain in release_layers(svc, image):
        records.append({"Deleted": chain})
    if prune and parent:
        try:
            parent_image = svc.store.get(parent)
        except NotFound:
            return
        _delete(svc, parent_image, records, False, True, True)


def release_layers(svc: "ImageService", image: Image) -> list[str]:
    """Drop the layers (snapshots, blobs) no remaining image uses; returns the chain ids released, top first.

    A layer under a container's snapshot cannot go yet (rmi -f of an image a stopped container uses):
    its blob goes, its snapshot stays until `collect_snapshots` runs after that container is removed.
    """
    from .service import chain_ids

    remaining = svc.store.all()
    kept_chains = {c for img in remaining for c in chain_ids(img.diff_ids)}
    kept_blobs = {d["digest"] for img in remaining for d in img.layers}
    released = []
    for chain, desc in reversed(list(zip(chain_ids(image.diff_ids), image.layers))):
        if chain in kept_chains:
            continue
        if desc["digest"] not in kept_blobs:
            svc.blobs.delete(desc["digest"])
        if svc.snapshots is None:
            released.append(chain)
            continue
        try:
            svc.snapshots.remove(chain)
        except NotFound:
            pass
        except Conflict:
            continue  # a container's snapshot (or a build's) still sits on it
        released.append(chain)
    return released


def _drop_documents(svc: "ImageService", image: Image) -> None:
    """The image's config blob and the manifests that name it (containerd's gc.ref label), if in the store."""
    svc.blobs.delete(image.id)
    try:
        infos = svc.content.list()
    except Exception:  # noqa: BLE001 - a store that cannot list keeps its documents; they are small
        return
    for info in infos:
        if (info.labels or {}).get(GC_CONFIG_LABEL) == image.id:
            svc.blobs.delete(info.digest)


def collect_snapshots(svc: "ImageService") -> list[str]:
    """Remove committed layer snapshots (named by chain id) that no image and no other snapshot needs any more."""
    from .service import chain_ids

    if svc.snapshots is None:
        return []
    kept = {c for img in svc.store.all() for c in chain_ids(img.diff_ids)}
    removed: list[str] = []
    changed = True
    while changed:
        changed = False
        infos = svc.snapshots.list()
        parents = {i.parent for i in infos if i.parent}
        for info in infos:
            kind = getattr(info.kind, "value", info.kind)
            if kind != "committed" or not refs.SHA256_DIGEST_RE.match(info.name):
                continue
            if info.name in kept or info.name in parents:
                continue
            try:
                svc.snapshots.remove(info.name)
            except (NotFound, Conflict):
                continue
            removed.append(info.name)
            changed = True
    return removed


def prune(svc: "ImageService", filters: dict[str, list[str]]) -> dict[str, Any]:
    """POST /images/prune: dangling images (or, with dangling=false, every unused one)."""
    flt.validate(filters, flt.PRUNE_KEYS)
    dangling = flt.dangling_only(filters)
    dangling_only = dangling is None or dangling
    until = flt.until_time(filters.get("until", []))
    labels = flt.label_matcher(filters.get("label", []), filters.get("label!", []))
    images = svc.store.all()
    parents = {img.parent for img in images if img.parent}
    if dangling_only:
        images = [img for img in images if img.id not in parents]
    sizes = {img.id: dict(zip(_chains(img), svc.layer_sizes(img))) for img in images}
    deleted: list[dict[str, str]] = []
    for image in images:
        references = svc.store.references(image.id)
        if not references and image.id in parents:
            continue
        if until is not None and views.unix_time(image.config.get("created")) > until:
            continue
        if not labels((image.config.get("config") or {}).get("Labels")):
            continue
        try:
            if references:
                if dangling_only and any(r.tag for r in references):
                    continue
                for r in references:
                    deleted.extend(remove(svc, str(r), False, True))
            else:
                deleted.extend(remove(svc, image.id, False, True))
        except (Conflict, NotFound):
            continue  # in use, or already gone with a child: prune skips it, as Docker does
    reclaimed = 0
    layer_sizes = {c: s for per in sizes.values() for c, s in per.items()}
    for record in deleted:
        reclaimed += layer_sizes.get(record.get("Deleted", ""), 0)
    return {"ImagesDeleted": deleted or None, "SpaceReclaimed": reclaimed}


def _chains(image: Image) -> list[str]:
    from .service import chain_ids

    return chain_ids(image.diff_ids)
