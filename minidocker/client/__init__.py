"""The client: the `minidocker` CLI, APIClient (one method per Engine API endpoint) and its unix-socket transport (cf. docker/cli, docker-py).

    from minidocker.client import APIClient, from_env
    api = APIClient()            # low level, docker-py's APIClient naming
    client = from_env()          # docker-py's DockerClient shape: client.containers.run(...)

Attributes load lazily so that the CLI, which imports this package on every command, pays nothing for them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["APIClient", "Client", "from_env", "APIError", "NotFound", "Conflict"]


def __getattr__(name: str) -> Any:
    if name == "APIClient":
        from .api import APIClient

        return APIClient
    if name in ("Client", "from_env", "Container", "Image", "ContainerError"):
        from . import models

        return getattr(models, name)
    if name in ("APIError", "NotFound", "Conflict", "DaemonUnreachable", "StreamError"):
        from . import errors

        return getattr(errors, name)
    raise AttributeError(name)
