"""docker search and docker login against a registry (cf. moby registry/service.go Search, Auth).

An unqualified term searches Docker Hub, or the first configured mirror when there is one (the
course runs offline: its registry stands in for Docker Hub); `localhost:5000/busy` searches that
registry for "busy". Filters: is-official, stars (min), is-automated.
"""

from __future__ import annotations

from ...errors import InvalidArgument, MinidockerError
from ...registry.client import RegistryClient, Unauthorized, base_url
from ..images import reference as refs
from .config import RegistryConfig

HUB_INDEX = "https://index.docker.io"


def _split(term: str) -> tuple[str | None, str]:
    first, sep, rest = term.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return None, term


def search(term: str, limit: int = 25, filters: dict[str, list[str]] | None = None) -> list[dict]:
    if limit < 1 or limit > 100:
        raise InvalidArgument(f"limit {limit} is outside the range of [1, 100]")
    config = RegistryConfig.load()
    domain, text = _split(term)
    if domain is not None:
        url = base_url(domain, config.insecure)
    else:
        url = config.mirrors[0] if config.mirrors else HUB_INDEX
    results = RegistryClient(url).search(text, limit)
    filters = filters or {}
    for value in filters.get("is-official", []):
        results = [r for r in results if bool(r.get("is_official")) == (value.lower() in ("true", "1"))]
    for value in filters.get("is-automated", []):
        results = [r for r in results if bool(r.get("is_automated")) == (value.lower() in ("true", "1"))]
    for value in filters.get("stars", []):
        results = [r for r in results if int(r.get("star_count") or 0) >= int(value)]
    if domain is not None:  # a name to pull from that registry: official ones live under library/ there
        results = [{**r, "name": f"{domain}/{r['name'] if '/' in r['name'] else 'library/' + r['name']}"} for r in results]
    return results[:limit]


def login(server: str, username: str, password: str) -> None:
    """Check credentials against the registry's /v2/ (a token fetch where it challenges for one)."""
    if not username:
        raise InvalidArgument("username is required")
    domain = refs.DEFAULT_DOMAIN if server in ("", "https://index.docker.io/v1/") else server.split("://")[-1].rstrip("/")
    client = RegistryClient(base_url(domain, RegistryConfig.load().insecure), (username, password))
    try:
        client.ping()
        resp = client.request("GET", "/v2/")
        resp.read()
        if resp.status == 401:
            raise Unauthorized("unauthorized: incorrect username or password")
    except Unauthorized as err:
        raise MinidockerError(f"login attempt to {domain} failed with status: 401 Unauthorized") from err
