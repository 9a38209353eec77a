"""Image references as Docker parses them: domain/path:tag@digest, normalised (cf. distribution/reference normalize.go, regexp.go).

`busybox` means `docker.io/library/busybox:latest`; `localhost:5000/x` keeps its registry because the
first path component holds a ':' (a port), a '.' (a domain) or is `localhost`. The familiar form shown to
users strips `docker.io/` and `library/` again. Errors carry docker's words ("invalid reference format").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import InvalidArgument

DEFAULT_DOMAIN = "docker.io"
LEGACY_DOMAIN = "index.docker.io"
OFFICIAL_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_TOTAL_MAX = 255

# The grammar of distribution/reference regexp.go, written out once.
_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|{_IPV6})(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
REFERENCE_RE = re.compile(rf"^({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?$")
TAG_RE = re.compile(rf"^{_TAG}$")
ID_RE = re.compile(r"^(?:sha256:)?([a-f0-9]{64})$")
SHORT_ID_RE = re.compile(r"^(?:sha256:)?([a-f0-9]{1,64})$")
SHA256_DIGEST_RE = re.compile(r"^sha256:[a-f0-9]{64}$")


@dataclass(frozen=True)
class Reference:
    """A fully normalised reference: domain, path, and at most a tag and a digest."""

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """The full repository name: docker.io/library/busybox."""
        return f"{self.domain}/{self.path}"

    @property
    def familiar_name(self) -> str:
        """The repository as users see it: busybox, user/app, localhost:5000/app."""
        if self.domain != DEFAULT_DOMAIN:
            return self.name
        path = self.path
        if path.startswith(OFFICIAL_PREFIX) and "/" not in path[len(OFFICIAL_PREFIX):]:
            path = path[len(OFFICIAL_PREFIX):]
        return path

    def __str__(self) -> str:
        out = self.name
        if self.tag:
            out += ":" + self.tag
        if self.digest:
            out += "@" + self.digest
        return out

    def familiar(self) -> str:
        """The familiar string form: busybox:latest, localhost:5000/app@sha256:..."""
        out = self.familiar_name
        if self.tag:
            out += ":" + self.tag
        if self.digest:
            out += "@" + self.digest
        return out

    def with_tag(self, tag: str) -> "Reference":
        return Reference(self.domain, self.path, tag, None)

    def with_digest(self, digest: str) -> "Reference":
        return Reference(self.domain, self.path, None, digest)

    def tagged_or_latest(self) -> "Reference":
        """Docker's TagNameOnly: a bare name gains :latest; a name@digest stays as it is."""
        if self.tag is None and self.digest is None:
            return Reference(self.domain, self.path, DEFAULT_TAG, None)
        return self


def _split_domain(name: str) -> tuple[str, str]:
    """cf. normalize.go splitDockerDomain: the first component is a registry only if it looks like one."""
    head, sep, rest = name.partition("/")
    if not sep or ("." not in head and ":" not in head and head != "localhost" and head.lower() == head):
        domain, remainder = DEFAULT_DOMAIN, name
    else:
        domain, remainder = head, rest
    if domain == LEGACY_DOMAIN:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = OFFICIAL_PREFIX + remainder
    return domain, remainder


def parse(text: str) -> Reference:
    """Parse and normalise a user's reference (docker's ParseNormalizedNamed). No default tag is added."""
    if not text:
        raise InvalidArgument("invalid reference format")
    if ID_RE.match(text) and not text.startswith("sha256:"):
        raise InvalidArgument(
            f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings")
    match = REFERENCE_RE.match(text)
    if not match:
        if REFERENCE_RE.match(text.lower()):
            raise InvalidArgument("invalid reference format: repository name must be lowercase")
        raise InvalidArgument("invalid reference format")
    name, tag, digest = match.groups()
    if len(name) > NAME_TOTAL_MAX:
        raise InvalidArgument(f"invalid reference format: repository name must not be more than {NAME_TOTAL_MAX} characters")
    domain, path = _split_domain(name)
    if path.lower() != path:
        raise InvalidArgument("invalid reference format: repository name must be lowercase")
    if digest is not None and not SHA256_DIGEST_RE.match(digest):
        # The grammar admits other algorithms; the engine (like Docker's) only stores sha256.
        raise InvalidArgument(f"invalid reference format: unsupported digest {digest!r}")
    return Reference(domain, path, tag, digest)


def parse_repo_tag(repo: str, tag: str | None) -> Reference:
    """`docker tag SRC REPO[:TAG]` as the API gets it: repo and tag arrive apart (POST /images/{name}/tag)."""
    ref = parse(repo)
    if ref.digest:
        raise InvalidArgument("refusing to create a tag with a digest reference")
    if tag:
        if ref.tag:
            raise InvalidArgument("invalid reference format")
        if not TAG_RE.match(tag):
            raise InvalidArgument(f"invalid tag format")
        ref = ref.with_tag(tag)
    return ref.tagged_or_latest()


def familiar(text: str) -> str:
    """A stored full reference string in its familiar form (docker.io/library/busybox:latest -> busybox:latest)."""
    return parse(text).familiar()
