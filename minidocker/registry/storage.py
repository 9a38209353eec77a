"""The registry's storage: blobs shared by every repository, manifests and tags per repository (cf. distribution registry/storage/paths.go).

  blobs/sha256/<hex>                               the bytes, once, whatever repositories use them
  repositories/<name>/_layers/<hex>                this repository may serve that blob
  repositories/<name>/_manifests/revisions/<hex>   {"mediaType": ...} of a manifest stored here
  repositories/<name>/_manifests/tags/<tag>        the digest the tag points at
  uploads/<uuid>/data, uploads/<uuid>/repo         an upload in progress, invisible until committed
Blobs are committed only when their bytes hash to the digest the client claims; everything is
written under a temporary name and renamed, so an interrupted upload leaves nothing visible.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from pathlib import Path

from ..errors import DigestMismatch, InvalidArgument, NotFound

NAME_RE = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")
DIGEST_RE = re.compile(r"^sha256:[a-f0-9]{64}$")


def check_name(name: str) -> str:
    if len(name) > 255 or not NAME_RE.match(name):
        raise InvalidArgument(f"invalid repository name {name!r}")
    return name


def check_digest(digest: str) -> str:
    if not DIGEST_RE.match(digest):
        raise InvalidArgument(f"invalid digest {digest!r}")
    return digest


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class Storage:
    """Everything the registry keeps, under one root directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        for sub in ("blobs/sha256", "repositories", "uploads"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    # -- blobs --
    def blob_path(self, digest: str) -> Path:
        return self.root / "blobs" / "sha256" / check_digest(digest).split(":", 1)[1]

    def _repo(self, name: str) -> Path:
        return self.root / "repositories" / check_name(name)

    def has_blob(self, name: str, digest: str) -> bool:
        return self.blob_path(digest).exists() and (self._repo(name) / "_layers" / digest.split(":", 1)[1]).exists()

    def blob(self, name: str, digest: str) -> Path:
        if not self.has_blob(name, digest):
            raise NotFound(f"blob unknown to registry: {digest}")
        return self.blob_path(digest)

    def link_blob(self, name: str, digest: str) -> None:
        _write(self._repo(name) / "_layers" / check_digest(digest).split(":", 1)[1], b"")

    def mount_blob(self, name: str, digest: str, source: str) -> bool:
        """Cross-repository mount: link a blob another repository has, without any bytes moving."""
        try:
            if self.has_blob(source, digest):
                self.link_blob(name, digest)
                return True
        except InvalidArgument:
            pass
        return False

    def delete_blob(self, name: str, digest: str) -> None:
        link = self._repo(name) / "_layers" / check_digest(digest).split(":", 1)[1]
        if not link.exists():
            raise NotFound(f"blob unknown to registry: {digest}")
        link.unlink()

    # -- uploads --
    def start_upload(self, name: str) -> str:
        upload = uuid.uuid4().hex
        folder = self.root / "uploads" / upload
        folder.mkdir(parents=True)
        (folder / "repo").write_text(check_name(name))
        (folder / "data").write_bytes(b"")
        return upload

    def _upload(self, name: str, upload: str) -> Path:
        folder = self.root / "uploads" / upload
        if not re.fullmatch(r"[0-9a-f]{32}", upload) or not folder.exists() or (folder / "repo").read_text() != name:
            raise NotFound(f"blob upload unknown to registry: {upload}")
        return folder

    def upload_size(self, name: str, upload: str) -> int:
        return (self._upload(name, upload) / "data").stat().st_size

    def append(self, name: str, upload: str, chunk, length: int | None) -> int:
        """Append a request body (a file object; length None = read to EOF) to an upload; returns the new size."""
        with open(self._upload(name, upload) / "data", "ab") as f:
            remaining = length
            while remaining is None or remaining > 0:
                data = chunk.read(1 << 20 if remaining is None else min(1 << 20, remaining))
                if not data:
                    break
                f.write(data)
                if remaining is not None:
                    remaining -= len(data)
            return f.tell()

    def finish_upload(self, name: str, upload: str, digest: str) -> str:
        """Verify and publish an upload's bytes as a blob of this repository; the upload is gone either way."""
        check_digest(digest)
        folder = self._upload(name, upload)
        try:
            h = hashlib.sha256()
            with open(folder / "data", "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            if "sha256:" + h.hexdigest() != digest:
                raise DigestMismatch(f"provided digest did not match uploaded content: {digest}")
            target = self.blob_path(digest)
            if not target.exists():
                os.replace(folder / "data", target)
            self.link_blob(name, digest)
            return digest
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def cancel_upload(self, name: str, upload: str) -> None:
        shutil.rmtree(self._upload(name, upload))

    def put_blob(self, name: str, data: bytes, digest: str) -> str:
        upload = self.start_upload(name)
        import io

        self.append(name, upload, io.BytesIO(data), len(data))
        return self.finish_upload(name, upload, digest)

    # -- manifests and tags --
    def put_manifest(self, name: str, data: bytes, media_type: str, tag: str | None) -> str:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        target = self.blob_path(digest)
        if not target.exists():
            _write(target, data)
        self.link_blob(name, digest)
        _write(self._repo(name) / "_manifests" / "revisions" / digest.split(":", 1)[1],
               json.dumps({"mediaType": media_type}).encode())
        if tag is not None:
            if not TAG_RE.match(tag):
                raise InvalidArgument(f"invalid tag {tag!r}")
            _write(self._repo(name) / "_manifests" / "tags" / tag, digest.encode())
        return digest

    def resolve(self, name: str, reference: str) -> str:
        """A tag or digest -> the manifest digest stored in this repository."""
        if reference.startswith("sha256:"):
            digest = check_digest(reference)
        else:
            tag_file = self._repo(name) / "_manifests" / "tags" / reference
            if not TAG_RE.match(reference) or not tag_file.exists():
                raise NotFound(f"manifest unknown: {name}:{reference}")
            digest = tag_file.read_text()
        if not (self._repo(name) / "_manifests" / "revisions" / digest.split(":", 1)[1]).exists():
            raise NotFound(f"manifest unknown: {name}@{digest}")
        return digest

    def manifest(self, name: str, reference: str) -> tuple[bytes, str, str]:
        """(bytes, media type, digest) of a manifest, byte for byte as it was pushed."""
        digest = self.resolve(name, reference)
        meta = json.loads((self._repo(name) / "_manifests" / "revisions" / digest.split(":", 1)[1]).read_text())
        return self.blob_path(digest).read_bytes(), meta["mediaType"], digest

    def delete_manifest(self, name: str, reference: str) -> None:
        if not reference.startswith("sha256:"):
            tag_file = self._repo(name) / "_manifests" / "tags" / reference
            if not tag_file.exists():
                raise NotFound(f"manifest unknown: {name}:{reference}")
            tag_file.unlink()
            return
        digest = self.resolve(name, reference)
        (self._repo(name) / "_manifests" / "revisions" / digest.split(":", 1)[1]).unlink()
        tags = self._repo(name) / "_manifests" / "tags"
        for tag_file in tags.iterdir() if tags.exists() else []:
            if tag_file.read_text() == digest:
                tag_file.unlink()

    def tags(self, name: str) -> list[str]:
        folder = self._repo(name) / "_manifests" / "tags"
        if not self._repo(name).exists():
            raise NotFound(f"repository name not known to registry: {name}")
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    def repositories(self) -> list[str]:
        base = self.root / "repositories"
        return sorted(str(p.parent.relative_to(base)) for p in base.rglob("_manifests"))
