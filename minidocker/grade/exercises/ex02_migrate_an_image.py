"""Exercise 02: migrate an image to another engine ("another machine") as a `save` archive
(cf. `docker save` / `docker load`, the image ID as a content address; chapter 02)."""

from __future__ import annotations

import json
import tarfile
import tempfile
from pathlib import Path

from minidocker import course
from minidocker.grade.exercise import Exercise, Facts, unique

EXERCISE = ex = Exercise("02-migrate-an-image", "Migrate an image")


def _image_id(eng, ref: str) -> str | None:
    code, out = eng.status("image", "inspect", "--format", "{{.Id}}", ref)
    return out.strip() if code == 0 else None


def _archive_tags(path: Path) -> list[str] | str:
    try:
        with tarfile.open(path) as tar:
            manifest = json.load(tar.extractfile("manifest.json"))
    except (OSError, tarfile.TarError, KeyError, ValueError, TypeError) as exc:
        return f"{path.name} is not an image archive ({type(exc).__name__}: {exc})"
    return [t for entry in manifest for t in entry.get("RepoTags") or []]


@ex.collector
def collect(migrate) -> Facts:
    from minidocker import teach

    facts, src, tag = Facts(), ex.engine(), unique("ex02-app") + ":v1"
    target_root = course.course_root() / unique("ex02-b")  # short: a unix socket path has 107 bytes at most
    with tempfile.TemporaryDirectory(prefix="ex02-") as work:
        ctx = Path(work) / "ctx"
        ctx.mkdir()
        (ctx / "Dockerfile").write_text('FROM busybox\nRUN echo "made on the first host" > /made\nCMD ["cat", "/made"]\n')
        try:
            src("build", "-q", "-t", tag, str(ctx))
            facts.values["want_id"] = _image_id(src, tag)
            dst = teach.engine(target_root, timeout=120)  # a loaded machine may take a while
            archive = Path(work) / "app.tar"
            facts.call("migrate", migrate, src, dst, tag, str(archive))
            facts.values["archive"] = _archive_tags(archive) if archive.exists() else f"there is no file at {archive}"
            facts.values["got_id"] = _image_id(dst, tag)
            facts.values["ran"] = dst("run", "--rm", tag, check=False) if facts.values["got_id"] else ""
        finally:
            src("rmi", "-f", tag, check=False)
            course.reset(target_root)
    facts.values["tag"] = tag
    return facts


@ex.requirement(1, "the archive is a `save` archive that names the image", 1, uses=("migrate",),
                hint="`save -o FILE NAME:TAG` writes the layers, the config and manifest.json with RepoTags; "
                     "save by name, not by ID, or the tag is lost")
def archive(f: Facts) -> str | None:
    tags = f["archive"]
    if isinstance(tags, str):
        return tags
    return None if f["tag"] in tags else f"manifest.json names {tags or 'no image'}, not {f['tag']}"


@ex.requirement(2, "the other engine has the image under its name, with the same ID", 2, uses=("migrate",),
                hint="`load -i FILE` on the OTHER engine (dst): an image ID is the digest of its config, so "
                     "it is the same on every host")
def same_id(f: Facts) -> str | None:
    got, want = f["got_id"], f["want_id"]
    if got is None:
        return f"the other engine has no image {f['tag']}"
    return None if got == want else f"the other engine's {f['tag']} is {got}, the first's is {want}"


@ex.requirement(3, "it runs there as it ran here", 1, uses=("migrate",),
                hint="once loaded, `run --rm NAME:TAG` on the other engine prints what the image holds")
def runs(f: Facts) -> str | None:
    ran = f["ran"]
    return None if ran == "made on the first host\n" else f"`run --rm {f['tag']}` on the other engine printed {ran!r}"
