"""The one error hierarchy shared by every layer (cf. moby errdefs: each kind maps to one HTTP status)."""

from __future__ import annotations


class MinidockerError(Exception):
    """Base of every error the engine raises on purpose. `status` is the HTTP status dockerd answers with."""

    status = 500


class InvalidArgument(MinidockerError):
    """Bad input from the user: a malformed reference, an unknown flag value, a bad config.json."""

    status = 400


class NotFound(MinidockerError):
    """No such container, image, volume, network or exec instance."""

    status = 404


class Conflict(MinidockerError):
    """The request contradicts the current state: a name in use, an image in use, a running container."""

    status = 409


class NotModified(MinidockerError):
    """Nothing to do: starting a running container, stopping a stopped one."""

    status = 304


class Unsupported(MinidockerError):
    """A field or feature the engine does not implement; refused, never silently ignored."""

    status = 501


class DigestMismatch(InvalidArgument):
    """Content whose bytes do not hash to the digest it claims (cf. containerd errdefs / distribution)."""


class RuntimeFailure(MinidockerError):
    """The OCI runtime or the kernel refused to do what was asked."""

    status = 500
