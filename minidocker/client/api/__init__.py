"""APIClient: one method per Engine API endpoint, named as docker-py names them (cf. docker-py docker/api/client.py).

    from minidocker.client import APIClient
    api = APIClient()                       # $MINIDOCKER_HOST or the engine's socket
    cid = api.create_container("busybox", ["echo", "hi"])["Id"]
    api.start(cid); api.wait(cid); print(api.logs(cid))
"""

from __future__ import annotations

from .base import BaseClient
from .build import BuildMixin
from .containers import ContainerMixin
from .exec_api import ExecMixin
from .images import ImageMixin
from .networks import NetworkMixin
from .system import SystemMixin
from .volumes import VolumeMixin


class APIClient(ContainerMixin, ExecMixin, ImageMixin, BuildMixin, VolumeMixin, NetworkMixin, SystemMixin,
                BaseClient):
    """The low-level client. Errors raise minidocker.client.errors.APIError (NotFound, Conflict)."""


__all__ = ["APIClient"]
