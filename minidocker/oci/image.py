"""OCI image-spec data types, Docker schema2 media types, canonical JSON and digests (cf. opencontainers/image-spec specs-go/v1).

Everything here is plain data: dataclasses with `to_dict()` / `from_dict()` and no I/O.
A digest names BYTES, not objects: keep the exact bytes you stored or fetched (a manifest, a config)
and hash those; `canonical_json()` is only for documents we write ourselves (sorted keys, no spaces),
so that the same image built twice gets the same digests. Unknown JSON fields are kept in `extra`
so that reading and writing a foreign document loses nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidArgument

# ---- media types (cf. image-spec media-types.md and containerd core/images/mediatypes.go) ----
OCI_LAYOUT_HEADER = "application/vnd.oci.layout.header.v1+json"
OCI_DESCRIPTOR = "application/vnd.oci.descriptor.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name"
ANNOTATION_CREATED = "org.opencontainers.image.created"
ANNOTATION_CONTAINERD_IMAGE_NAME = "io.containerd.image.name"  # full reference, as containerd/docker save write it

MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})
CONFIG_TYPES = frozenset({OCI_CONFIG, DOCKER_CONFIG})
LAYER_TYPES = frozenset({OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, DOCKER_LAYER, DOCKER_LAYER_GZIP,
                         DOCKER_FOREIGN_LAYER})


def layer_compression(media_type: str) -> str | None:
    """"gzip", "zstd" or None (plain tar) for a layer media type; appliers still sniff the magic bytes."""
    if media_type.endswith("+gzip") or media_type.endswith(".tar.gzip"):
        return "gzip"
    if media_type.endswith("+zstd"):
        return "zstd"
    return None


# ---- digests (cf. opencontainers/go-digest) ----
_DIGEST_RE = re.compile(r"^sha256:[a-f0-9]{64}$")


def sha256_digest(data: bytes) -> str:
    """"sha256:<hex>" of some bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def validate_digest(digest: str) -> str:
    """Return the digest unchanged if it is a well-formed sha256 digest; raise InvalidArgument otherwise.

    Only sha256 is accepted: it is the only algorithm Docker and containerd use for content.
    A well-formed digest is also a safe file name (no '/', no '..'), which the content store relies on.
    """
    if not isinstance(digest, str) or not _DIGEST_RE.match(digest):
        raise InvalidArgument(f"invalid digest {digest!r}: expected sha256:<64 lowercase hex digits>")
    return digest


def digest_hex(digest: str) -> str:
    """The hex part of a validated digest."""
    return validate_digest(digest).split(":", 1)[1]


def canonical_json(obj: Any) -> bytes:
    """Deterministic JSON bytes (sorted keys, no insignificant space, UTF-8) for documents we author."""
    if hasattr(obj, "to_dict"):
        obj = obj.to_dict()
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _drop_empty(d: dict[str, Any]) -> dict[str, Any]:
    """Go's `omitempty`: leave out None, "", [] and {} fields."""
    return {k: v for k, v in d.items() if v not in (None, "", [], {})}


def _split(data: dict[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in known}


# ---- platform, descriptor ----
@dataclass
class Platform:
    architecture: str = "amd64"
    os: str = "linux"
    variant: str = ""
    os_version: str = ""
    os_features: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _drop_empty({"architecture": self.architecture, "os": self.os, "os.version": self.os_version,
                            "os.features": list(self.os_features), "variant": self.variant})

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Platform":
        return cls(architecture=d.get("architecture", ""), os=d.get("os", ""), variant=d.get("variant", ""),
                   os_version=d.get("os.version", ""), os_features=list(d.get("os.features") or []))


@dataclass
class Descriptor:
    """A typed pointer to content: media type, digest and size (and, in an index, the platform)."""

    media_type: str
    digest: str
    size: int
    annotations: dict[str, str] = field(default_factory=dict)
    urls: list[str] = field(default_factory=list)
    platform: Platform | None = None
    artifact_type: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    _KEYS = ("mediaType", "digest", "size", "annotations", "urls", "platform", "artifactType")

    def to_dict(self) -> dict[str, Any]:
        d = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        d.update(_drop_empty({"urls": list(self.urls), "annotations": dict(self.annotations),
                              "artifactType": self.artifact_type}))
        if self.platform is not None:
            d["platform"] = self.platform.to_dict()
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Descriptor":
        if not isinstance(d, dict) or "digest" not in d:
            raise InvalidArgument("invalid descriptor: missing digest")
        plat = d.get("platform")
        return cls(media_type=d.get("mediaType", ""), digest=validate_digest(d["digest"]), size=int(d.get("size", 0)),
                   annotations=dict(d.get("annotations") or {}), urls=list(d.get("urls") or []),
                   platform=Platform.from_dict(plat) if plat else None, artifact_type=d.get("artifactType", ""),
                   extra=_split(d, cls._KEYS))


# ---- manifest, index ----
@dataclass
class Manifest:
    """An image manifest (OCI or Docker schema2: the same shape): one config and the layers, bottom first."""

    config: Descriptor
    layers: list[Descriptor] = field(default_factory=list)
    media_type: str = OCI_MANIFEST
    annotations: dict[str, str] = field(default_factory=dict)
    subject: Descriptor | None = None
    artifact_type: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    _KEYS = ("schemaVersion", "mediaType", "config", "layers", "annotations", "subject", "artifactType")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"schemaVersion": 2}
        if self.media_type:
            d["mediaType"] = self.media_type
        if self.artifact_type:
            d["artifactType"] = self.artifact_type
        d["config"] = self.config.to_dict()
        d["layers"] = [layer.to_dict() for layer in self.layers]
        if self.subject is not None:
            d["subject"] = self.subject.to_dict()
        if self.annotations:
            d["annotations"] = dict(self.annotations)
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Manifest":
        if not isinstance(d, dict) or d.get("schemaVersion") != 2 or "config" not in d:
            raise InvalidArgument("invalid image manifest: need schemaVersion 2 and a config")
        subj = d.get("subject")
        return cls(config=Descriptor.from_dict(d["config"]),
                   layers=[Descriptor.from_dict(x) for x in d.get("layers") or []],
                   media_type=d.get("mediaType", ""), annotations=dict(d.get("annotations") or {}),
                   subject=Descriptor.from_dict(subj) if subj else None, artifact_type=d.get("artifactType", ""),
                   extra=_split(d, cls._KEYS))

    @classmethod
    def from_bytes(cls, data: bytes) -> "Manifest":
        return cls.from_dict(_loads(data, "manifest"))


@dataclass
class Index:
    """An image index (OCI) or manifest list (Docker): manifests per platform; also an OCI layout's index.json."""

    manifests: list[Descriptor] = field(default_factory=list)
    media_type: str = OCI_INDEX
    annotations: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    _KEYS = ("schemaVersion", "mediaType", "manifests", "annotations")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"schemaVersion": 2}
        if self.media_type:
            d["mediaType"] = self.media_type
        d["manifests"] = [m.to_dict() for m in self.manifests]
        if self.annotations:
            d["annotations"] = dict(self.annotations)
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Index":
        if not isinstance(d, dict) or d.get("schemaVersion") != 2:
            raise InvalidArgument("invalid image index: need schemaVersion 2")
        return cls(manifests=[Descriptor.from_dict(x) for x in d.get("manifests") or []],
                   media_type=d.get("mediaType", ""), annotations=dict(d.get("annotations") or {}),
                   extra=_split(d, cls._KEYS))

    @classmethod
    def from_bytes(cls, data: bytes) -> "Index":
        return cls.from_dict(_loads(data, "index"))


def _loads(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"invalid {what} JSON: {exc}") from None


# ---- image config ----
@dataclass
class RuntimeConfig:
    """The `config` member of an image config: defaults for containers (Docker's container.Config subset)."""

    User: str = ""
    ExposedPorts: dict[str, dict] = field(default_factory=dict)
    Env: list[str] = field(default_factory=list)
    Entrypoint: list[str] | None = None
    Cmd: list[str] | None = None
    Volumes: dict[str, dict] = field(default_factory=dict)
    WorkingDir: str = ""
    Labels: dict[str, str] = field(default_factory=dict)
    StopSignal: str = ""
    Shell: list[str] | None = None          # Docker extension (SHELL)
    Healthcheck: dict[str, Any] | None = None  # Docker extension (HEALTHCHECK)
    OnBuild: list[str] | None = None        # Docker extension (ONBUILD)
    ArgsEscaped: bool = False               # Docker extension (Windows only; kept when read)
    extra: dict[str, Any] = field(default_factory=dict)

    _KEYS = ("User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels",
             "StopSignal", "Shell", "Healthcheck", "OnBuild", "ArgsEscaped")

    def to_dict(self) -> dict[str, Any]:
        d = _drop_empty({k: getattr(self, k) for k in self._KEYS if k not in ("Entrypoint", "Cmd", "ArgsEscaped")})
        for k in ("Entrypoint", "Cmd"):  # [] differs from absent ("ENTRYPOINT []" resets it), so keep []
            if getattr(self, k) is not None:
                d[k] = list(getattr(self, k))
        if self.ArgsEscaped:
            d["ArgsEscaped"] = True
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "RuntimeConfig":
        d = d or {}
        kw = {k: d[k] for k in cls._KEYS if d.get(k) is not None}
        return cls(**kw, extra=_split(d, cls._KEYS))


@dataclass
class History:
    created: str = ""
    created_by: str = ""
    author: str = ""
    comment: str = ""
    empty_layer: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = _drop_empty({"created": self.created, "created_by": self.created_by, "author": self.author,
                         "comment": self.comment})
        if self.empty_layer:
            d["empty_layer"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "History":
        return cls(**{k: d[k] for k in ("created", "created_by", "author", "comment", "empty_layer") if k in d})


@dataclass
class ImageConfig:
    """The image config blob: platform, runtime defaults, rootfs.diff_ids (bottom first) and history.

    Its digest is the image ID Docker shows (`docker images` truncates it to 12 hex digits).
    """

    architecture: str = "amd64"
    os: str = "linux"
    config: RuntimeConfig = field(default_factory=RuntimeConfig)
    diff_ids: list[str] = field(default_factory=list)
    history: list[History] = field(default_factory=list)
    created: str = ""
    author: str = ""
    variant: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    _KEYS = ("architecture", "os", "config", "rootfs", "history", "created", "author", "variant")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = _drop_empty({"created": self.created, "author": self.author,
                                         "architecture": self.architecture, "os": self.os, "variant": self.variant})
        d["config"] = self.config.to_dict()
        d["rootfs"] = {"type": "layers", "diff_ids": list(self.diff_ids)}
        if self.history:
            d["history"] = [h.to_dict() for h in self.history]
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ImageConfig":
        if not isinstance(d, dict):
            raise InvalidArgument("invalid image config: not a JSON object")
        rootfs = d.get("rootfs") or {}
        if rootfs and rootfs.get("type") != "layers":
            raise InvalidArgument(f"invalid image config: rootfs type {rootfs.get('type')!r}")
        return cls(architecture=d.get("architecture", ""), os=d.get("os", ""),
                   config=RuntimeConfig.from_dict(d.get("config")),
                   diff_ids=[validate_digest(x) for x in rootfs.get("diff_ids") or []],
                   history=[History.from_dict(h) for h in d.get("history") or []],
                   created=d.get("created", ""), author=d.get("author", ""), variant=d.get("variant", ""),
                   extra=_split(d, cls._KEYS))

    @classmethod
    def from_bytes(cls, data: bytes) -> "ImageConfig":
        return cls.from_dict(_loads(data, "image config"))

    def platform(self) -> Platform:
        return Platform(architecture=self.architecture, os=self.os, variant=self.variant)
