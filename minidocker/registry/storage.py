"""The registry's storage: blobs shared by every repository, manifests, tags and referrers per repository (cf. distribution registry/storage/paths.go).

  blobs/<alg>/<encoded>                                     the bytes, once, whatever repositories use them
  repositories/<name>/_layers/<alg>/<encoded>               this repository may serve that blob
  repositories/<name>/_manifests/revisions/<alg>/<encoded>  {"mediaType", "subject"} of a manifest stored here
  repositories/<name>/_manifests/tags/<tag>                 the digest the tag points at
  repositories/<name>/_referrers/<alg>/<encoded>/<alg>-<encoded>  the descriptor of a manifest whose subject is that digest
  uploads/<uuid>/...                                        uploads in progress (uploads.py), invisible until committed
  lock                                                      flock: shared while served, exclusive while collected (gc.py)
Content is addressed by algorithm (sha256 and sha512). Every file is written under a temporary name
and renamed, and a manifest becomes visible (its revision) only after its bytes are in place.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from pathlib import Path

from ..linux import atomicfile
from . import digests
from .errcodes import BlobUnknown, ManifestUnknown, NameInvalid, NameUnknown, TagInvalid
from .uploads import Uploads

NAME_RE = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$", re.ASCII)


def check_name(name: str) -> str:
    if len(name) > 255 or not NAME_RE.match(name):
        raise NameInvalid(f"invalid repository name {name!r}", {"name": name})
    return name


def check_tag(tag: str) -> str:
    if not TAG_RE.match(tag):
        raise TagInvalid(f"invalid tag {tag!r}", {"tag": tag})
    return tag


def write_atomic(path: Path, data: bytes) -> None:
    """Make the directory, then write data atomically (temporary file beside it, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomicfile.write_atomic(path, data)


def lock_root(root: Path, exclusive: bool) -> int | None:
    """An flock on <root>/lock: shared by serving registries, exclusive for a collection; None if taken the other way."""
    Path(root).mkdir(parents=True, exist_ok=True)
    fd = os.open(Path(root) / "lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


class Storage:
    """Everything the registry keeps, under one root directory."""

    def __init__(self, root: Path, max_uploads_per_repository: int = 32, upload_idle_seconds: float = 3600.0) -> None:
        self.root = Path(root)
        for sub in ("blobs/sha256", "repositories", "uploads"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.uploads = Uploads(self, max_uploads_per_repository, upload_idle_seconds)
        self._migrate()

    # -- paths --
    def blob_path(self, digest: str) -> Path:
        algorithm, encoded = digests.check(digest)
        return self.root / "blobs" / algorithm / encoded

    def repo(self, name: str) -> Path:
        return self.root / "repositories" / check_name(name)

    def _layer_link(self, name: str, digest: str) -> Path:
        return self.repo(name) / "_layers" / digest.replace(":", "/", 1)

    def _revision(self, name: str, digest: str) -> Path:
        return self.repo(name) / "_manifests" / "revisions" / digest.replace(":", "/", 1)

    def _tag(self, name: str, tag: str) -> Path:
        return self.repo(name) / "_manifests" / "tags" / tag

    def referrers_dir(self, name: str, subject: str) -> Path:
        return self.repo(name) / "_referrers" / subject.replace(":", "/", 1)

    # -- blobs --
    def has_blob(self, name: str, digest: str) -> bool:
        return digests.supported(digest) and self.blob_path(digest).exists() and self._layer_link(name, digest).exists()

    def blob(self, name: str, digest: str) -> Path:
        """The file of a blob this repository holds; a missing one (of any well-formed digest) is BLOB_UNKNOWN."""
        if not digests.well_formed(digest):
            digests.check(digest)  # raises DIGEST_INVALID
        if not self.has_blob(check_name(name), digest):
            raise BlobUnknown(f"blob unknown to registry: {digest}", {"digest": digest})
        return self.blob_path(digest)

    def link_blob(self, name: str, digest: str) -> None:
        digests.check(digest)
        write_atomic(self._layer_link(name, digest), b"")

    def mount_blob(self, name: str, digest: str, source: str) -> bool:
        """Cross-repository mount: link a blob another repository has, without any bytes moving."""
        if not (digests.supported(digest) and NAME_RE.match(source or "")) or not self.has_blob(source, digest):
            return False
        self.link_blob(name, digest)
        return True

    def delete_blob(self, name: str, digest: str) -> None:
        """Unlink a blob from a repository; its bytes stay until a collection finds nothing refers to them."""
        self.blob(name, digest)
        self._layer_link(name, digest).unlink()

    def store_blob_file(self, name: str, src: Path, digest: str) -> None:
        """Publish a verified file as a blob (renamed into place) and link it into the repository."""
        target = self.blob_path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            os.replace(src, target)
        self.link_blob(name, digest)

    # -- manifests and tags --
    def put_manifest(self, name: str, data: bytes, media_type: str, digest: str, tags: list[str],
                     subject: str | None, descriptor: dict) -> None:
        """Store a validated manifest: bytes, then revision (now visible by digest), then referrer entry, then tags."""
        target = self.blob_path(digest)
        if not target.exists():
            write_atomic(target, data)
        self.link_blob(name, digest)
        write_atomic(self._revision(name, digest), json.dumps({"mediaType": media_type, "subject": subject}).encode())
        if subject:
            entry = self.referrers_dir(name, subject) / digest.replace(":", "-", 1)
            write_atomic(entry, json.dumps(descriptor).encode())
        for tag in tags:
            write_atomic(self._tag(name, tag), digest.encode())

    def resolve(self, name: str, reference: str) -> str:
        """A tag or digest -> the manifest digest stored in this repository."""
        if ":" in reference:
            if not digests.well_formed(reference):
                digests.check(reference)
            digest = reference
        else:
            tag_file = self._tag(name, check_tag(reference))
            try:
                digest = tag_file.read_text()
            except FileNotFoundError:
                raise ManifestUnknown(f"manifest unknown: {name}:{reference}", {"tag": reference}) from None
        if not digests.supported(digest) or not self._revision(name, digest).exists():
            raise ManifestUnknown(f"manifest unknown: {name}@{digest}", {"digest": digest})
        return digest

    def revision(self, name: str, digest: str) -> dict:
        return json.loads(self._revision(name, digest).read_text())

    def manifest(self, name: str, reference: str) -> tuple[bytes, str, str]:
        """(bytes, media type, digest) of a manifest, byte for byte as it was pushed."""
        digest = self.resolve(name, reference)
        return self.blob_path(digest).read_bytes(), self.revision(name, digest)["mediaType"], digest

    def delete_manifest(self, name: str, reference: str) -> None:
        """A tag: untag. A digest: the revision, every tag on it, and its referrer entry."""
        if ":" not in reference:
            self.resolve(name, reference)
            self._tag(name, reference).unlink()
            return
        digest = self.resolve(name, reference)
        subject = self.revision(name, digest).get("subject")
        self._revision(name, digest).unlink()
        if subject:
            (self.referrers_dir(name, subject) / digest.replace(":", "-", 1)).unlink(missing_ok=True)
        tags = self.repo(name) / "_manifests" / "tags"
        for tag_file in tags.iterdir() if tags.exists() else []:
            if tag_file.read_text() == digest:
                tag_file.unlink()

    def revisions(self, name: str) -> list[str]:
        """Every manifest digest stored in a repository."""
        base = self.repo(name) / "_manifests" / "revisions"
        return sorted(f"{p.parent.name}:{p.name}" for p in base.glob("*/*") if not p.name.startswith("."))

    def tags(self, name: str) -> list[str]:
        if not self.repo(name).exists():
            raise NameUnknown(f"repository name not known to registry: {name}", {"name": name})
        folder = self.repo(name) / "_manifests" / "tags"
        return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []

    def repositories(self) -> list[str]:
        base = self.root / "repositories"
        return sorted(str(p.parent.relative_to(base)) for p in base.rglob("_manifests"))

    # -- the layout before digests had their algorithm folder (sha256 only) --
    def _migrate(self) -> None:
        """Move <repo>/_layers/<hex> and revisions/<hex> into their sha256/ folder, indexing subjects on the way."""
        base = self.root / "repositories"
        for folder in [*base.rglob("_layers"), *base.rglob("revisions")]:
            for old in folder.iterdir():
                if old.is_file() and len(old.name) == 64 and digests.HEX.match(old.name):
                    (folder / "sha256").mkdir(exist_ok=True)
                    os.replace(old, folder / "sha256" / old.name)
                    if folder.name == "revisions":
                        self._index_old_revision(str(folder.parent.parent.relative_to(base)), "sha256:" + old.name)

    def _index_old_revision(self, name: str, digest: str) -> None:
        from .manifests import describe

        try:
            meta = self.revision(name, digest)
            data = self.blob_path(digest).read_bytes()
            doc = json.loads(data)
            subject = (doc.get("subject") or {}).get("digest")
        except (OSError, ValueError, AttributeError):
            return
        if subject and digests.supported(subject):
            write_atomic(self._revision(name, digest), json.dumps({"mediaType": meta["mediaType"], "subject": subject}).encode())
            write_atomic(self.referrers_dir(name, subject) / digest.replace(":", "-", 1),
                         json.dumps(describe(doc, meta["mediaType"], digest, len(data))).encode())
