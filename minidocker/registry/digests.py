"""Digests as the OCI image spec defines them: algorithm:encoded, and the algorithms this registry stores (cf. opencontainers/go-digest).

Content is addressed by its algorithm: a blob pushed as sha512:... is stored and served as sha512:...
A digest of another registered algorithm is well formed but unsupported: refused on upload (400
DIGEST_INVALID), simply absent (404) when asked for.
"""

from __future__ import annotations

import hashlib
import re

from .errcodes import DigestInvalid

# image-spec descriptor.md: algorithm-component(([+._-])algorithm-component)* ":" [a-zA-Z0-9=_-]+
GRAMMAR = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
ENCODED_LENGTH = {"sha256": 64, "sha512": 128}  # lower-case hex only, as image-spec requires for both
HEX = re.compile(r"^[a-f0-9]+$")


def well_formed(digest: str) -> bool:
    return len(digest) <= 256 and bool(GRAMMAR.match(digest))


def supported(digest: str) -> bool:
    """A digest of an algorithm stored here, with an encoded part of the right length and alphabet."""
    algorithm, _, encoded = digest.partition(":")
    return ENCODED_LENGTH.get(algorithm) == len(encoded) and bool(HEX.match(encoded))


def check(digest: str) -> tuple[str, str]:
    """(algorithm, encoded) of a digest this registry can store, else DigestInvalid."""
    if not supported(digest):
        what = "unsupported digest algorithm" if well_formed(digest) else "invalid digest"
        raise DigestInvalid(f"{what}: {digest!r} (sha256 and sha512 are supported)", {"digest": digest})
    algorithm, _, encoded = digest.partition(":")
    return algorithm, encoded


def check_algorithm(algorithm: str) -> str:
    if algorithm not in ENCODED_LENGTH:
        raise DigestInvalid(f"unsupported digest algorithm {algorithm!r} (sha256 and sha512 are supported)")
    return algorithm


def hasher(algorithm: str):
    return hashlib.new(check_algorithm(algorithm))


def of(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{hashlib.new(check_algorithm(algorithm), data).hexdigest()}"
