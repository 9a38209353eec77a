"""The client: the `minidocker` CLI, APIClient (one method per Engine API endpoint) and its unix-socket transport (cf. docker/cli, docker-py).

    from minidocker.client import APIClient, from_env
    api = APIClient()            # low level, docker-py's APIClient naming
    client = from_env()          # docker-py's DockerClient shape: client.containers.run(...)

Attributes load lazily so that the CLI, which imports this package on every command, pays nothing for them.

Start-up cost, the rule for every module the CLI imports before it has answered (cli, flags, transport,
wire, errors, jsonfast, the verb's command module, formatting, config, stdio): every `minidocker`
command is a new interpreter, and importing is most of what `ps` or `images` costs (the daemon answers
in about a millisecond). So at the top of these modules: only our own lean modules and the stdlib's
cheap ones (os, sys, time, io; the C modules _socket, _json, _signal). typing, argparse, re, json,
socket, pathlib, signal, threading, base64 each import in a function that needs them (re, json and
socket pull in enum; argparse gettext and locale), and names used only in annotations come from
`if TYPE_CHECKING:` with a local `TYPE_CHECKING = False`, since importing typing for it is the cost.
tests/unit/test_client_startup.py checks what `ps`, `images` and `run` import; docs/speed.md has the figures.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (see above)
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
