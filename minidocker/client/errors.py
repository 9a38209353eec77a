"""Errors the client raises: the daemon's {"message": ...} answers and connection failures (cf. docker/cli errdefs, docker-py errors.py)."""

from __future__ import annotations

from ..errors import MinidockerError


class APIError(MinidockerError):
    """The daemon answered with an error status; `str()` is the daemon's message, as docker prints it."""

    def __init__(self, status: int, message: str, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.method = method
        self.path = path

    def __str__(self) -> str:
        return f"Error response from daemon: {self.message}"

    @property
    def is_not_found(self) -> bool:
        return self.status == 404


class NotFound(APIError):
    """404: no such container, image, volume or exec instance."""


class Conflict(APIError):
    """409: a name in use, an image in use, a container that must be stopped first."""


class DaemonUnreachable(MinidockerError):
    """The socket is missing or refuses connections: dockerd is not running."""

    def __init__(self, host: str, message: str | None = None) -> None:
        super().__init__(host)
        self.host = host
        self.message = message or f"Cannot connect to the minidocker daemon at {host}. Is the minidocker daemon running?"

    def __str__(self) -> str:
        return self.message


class StreamError(MinidockerError):
    """An error reported inside a JSON-message stream (pull, push, load, build): errorDetail."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def from_response(status: int, body: bytes, method: str = "", path: str = "") -> APIError:
    """Map a failed response to the error class; the message comes from the JSON body when there is one."""
    from ..jsonfast import loads

    text = body.decode("utf-8", "replace").strip()
    message = text
    try:
        parsed = loads(text) if text else None
        if isinstance(parsed, dict) and "message" in parsed:
            message = str(parsed["message"])
    except ValueError:
        pass
    if not message:
        message = f"{status} {method} {path}".strip()
    cls = {404: NotFound, 409: Conflict}.get(status, APIError)
    return cls(status, message, method, path)
