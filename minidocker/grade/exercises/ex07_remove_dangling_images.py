"""Exercise 07: remove exactly the dangling images (cf. `docker image prune`, moby daemon/images
image_prune.go: dangling = untagged top-level images not used by any container; chapter 07)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from minidocker.grade.exercise import Exercise, Facts, unique

EXERCISE = ex = Exercise("07-remove-dangling-images", "Remove the dangling images")


def _build(eng, tag: str, version: int) -> str:
    with tempfile.TemporaryDirectory(prefix="ex07-") as ctx:
        (Path(ctx) / "Dockerfile").write_text(f"FROM busybox\nRUN echo {tag} {version} > /version\nCMD [\"cat\", \"/version\"]\n")
        eng("build", "-q", "-t", tag, ctx)
    return eng("image", "inspect", "--format", "{{.Id}}", tag).strip()


def _exists(eng, ref: str) -> bool:
    return eng.status("image", "inspect", ref)[0] == 0


@ex.collector
def collect(remove_dangling) -> Facts:
    facts, eng = Facts(), ex.engine()
    app, used, box = unique("ex07-app") + ":latest", unique("ex07-used") + ":latest", unique("ex07-box")
    try:
        # Rebuilding a tag leaves the old image without a name: dangling. (Each build differs, or the cache would share images.)
        dangling = [_build(eng, app, 1), _build(eng, app, 2)]
        _build(eng, app, 3)
        in_use = _build(eng, used, 1)
        eng("create", "--name", box, used)  # a stopped container keeps its image, tag or not
        _build(eng, used, 2)
        facts.values.update(dangling=dangling, in_use=in_use)
        facts.call("remove_dangling", remove_dangling, eng)
        facts.values["left_dangling"] = [i for i in dangling if _exists(eng, i)]
        facts.values["tags_gone"] = [t for t in (app, used, "busybox:latest") if not _exists(eng, t)]
        facts.values["in_use_kept"] = _exists(eng, in_use)
        facts.values["box_kept"] = eng.status("inspect", box)[0] == 0
    finally:
        eng("rm", "-f", box, check=False)
        for ref in (app, used):
            eng("rmi", "-f", ref, check=False)
        eng("image", "prune", "-f", check=False)
    return facts


@ex.requirement(1, "the images that rebuilding left without a name are gone", 2, uses=("remove_dangling",),
                hint="`images --filter dangling=true` lists the untagged images; the engine can remove them all at once")
def removed(f: Facts) -> str | None:
    left = f["left_dangling"]
    return None if not left else f"{len(left)} dangling image(s) are still there: {', '.join(i[7:19] for i in left)}"


@ex.requirement(2, "every tagged image is kept", 1, uses=("remove_dangling",),
                hint="remove by filter, not every image (`images -qa` lists them all)")
def tagged_kept(f: Facts) -> str | None:
    gone = f["tags_gone"]
    return None if not gone else f"tagged images were removed: {', '.join(gone)}"


@ex.requirement(3, "an untagged image that a stopped container uses is kept, and so is the container", 1,
                uses=("remove_dangling",),
                hint="`rmi -f` forces past the stopped container that uses an image; `image prune` "
                     "(like Docker's) never removes an image a container uses")
def in_use_kept(f: Facts) -> str | None:
    if not f["box_kept"]:
        return "the stopped container was removed: remove images, not containers"
    return None if f["in_use_kept"] else f"image {f['in_use'][7:19]}, used by a stopped container, was removed"
