"""The APIClient's plumbing: a Transport and JSON helpers every endpoint mixin uses (cf. docker-py docker/api/client.py)."""

from __future__ import annotations

from ..transport import Reply, Transport

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any, Mapping


class BaseClient:
    """Holds the transport. `base_url` is unix:///path (default: $MINIDOCKER_HOST or the engine socket)."""

    def __init__(self, base_url: str | None = None, version: str | None = None, timeout: float | None = None,
                 transport: Transport | None = None) -> None:
        self.transport = transport or Transport(base_url, version, timeout)

    @property
    def api_version(self) -> str:
        return self.transport.version

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> "BaseClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _call(self, method: str, path: str, query: Mapping[str, Any] | None = None, body: Any = None,
              headers: Mapping[str, str] | None = None, **kw: Any) -> Reply:
        return self.transport.call(method, path, query, body, headers, **kw)

    def _json(self, method: str, path: str, query: Mapping[str, Any] | None = None, body: Any = None,
              headers: Mapping[str, str] | None = None) -> Any:
        return self._call(method, path, query, body, headers).json()


def filters_param(filters: Mapping[str, Any] | None) -> str | None:
    """docker's filters query: {"key": ["v", ...]} as JSON (a scalar value becomes a one-item list)."""
    if not filters:
        return None
    from ...jsonfast import dumps

    out: dict[str, Any] = {}
    for key, value in filters.items():
        if isinstance(value, dict):
            out[key] = value
        elif isinstance(value, (list, tuple)):
            out[key] = [str(v).lower() if isinstance(v, bool) else str(v) for v in value]
        else:
            out[key] = [str(value).lower() if isinstance(value, bool) else str(value)]
    return dumps(out, separators=(",", ":"))


def registry_auth(auth: Mapping[str, Any] | None = None) -> dict[str, str]:
    """X-Registry-Auth: base64url JSON of the credentials; `e30=` ({}) when there are none, as the CLI sends."""
    import base64
    import json

    raw = json.dumps(dict(auth), separators=(",", ":")).encode() if auth else b"{}"
    return {"X-Registry-Auth": base64.urlsafe_b64encode(raw).decode()}
