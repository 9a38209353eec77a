"""A Distribution API client: what dockerd pulls and pushes with (cf. distribution registry/client, containerd core/remotes/docker).

`RegistryClient(base_url, credentials)` talks to one registry. A 401 answer carries a challenge:
`Basic` (resend with the credentials) or `Bearer realm=...,service=...,scope=...` (fetch a token from
the realm, with the credentials when there are any, then resend): Docker Hub's flow, and the course
registry's with `--auth token`. Plain http is used for loopback and for registries named insecure,
as dockerd treats 127.0.0.0/8; everything else is https.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import ipaddress
import json
import re
import threading
import urllib.parse
from dataclasses import dataclass
from typing import BinaryIO, Callable

from ..errors import DigestMismatch, MinidockerError, NotFound

MANIFEST_ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
])
HUB_DOMAINS = {"docker.io", "index.docker.io", "registry-1.docker.io"}
CHUNK = 1 << 20
UPLOAD_CHUNK = 8 << 20


class RegistryUnreachable(MinidockerError):
    """The registry did not answer (no network, refused, a TLS problem): dockerd answers 500 as Docker does."""


class Unauthorized(MinidockerError):
    status = 401


def is_loopback(host: str) -> bool:
    host = host.rsplit(":", 1)[0].strip("[]") if not host.startswith("[") or "]:" in host else host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url(domain: str, insecure: set[str] | frozenset = frozenset()) -> str:
    """The URL of a registry named in a reference (docker.io is registry-1.docker.io)."""
    if domain in HUB_DOMAINS:
        return "https://registry-1.docker.io"
    scheme = "http" if is_loopback(domain) or domain in insecure else "https"
    return f"{scheme}://{domain}"


@dataclass
class Manifest:
    data: bytes
    media_type: str
    digest: str


def _parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    scheme, _, rest = header.partition(" ")
    return scheme.lower(), dict(re.findall(r'(\w+)="([^"]*)"', rest))


_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def _dial_host_loopback(conn: http.client.HTTPConnection) -> http.client.HTTPConnection:
    """A rootless engine reaches a registry on the host's loopback through slirp4netns (paths.host_loopback):
    the TCP connection goes there, the request (Host header, names, token realm) stays the user's."""
    from .. import paths

    alias = paths.host_loopback() if conn.host in _LOOPBACK_NAMES else None
    if alias:
        import socket

        conn._create_connection = lambda addr, timeout, source=None: socket.create_connection((alias, addr[1]), timeout, source)
    return conn


class RegistryClient:
    """One registry, one set of credentials; thread-safe (a connection per thread)."""

    def __init__(self, url: str, credentials: tuple[str, str] | None = None, timeout: float = 30.0) -> None:
        parsed = urllib.parse.urlsplit(url if "://" in url else "https://" + url)
        self.scheme, self.netloc, self.timeout = parsed.scheme, parsed.netloc, timeout
        self.prefix = parsed.path.rstrip("/")
        self.credentials = credentials
        self._local = threading.local()
        self._tokens: dict[str, str] = {}
        self._basic = False

    # -- plumbing --
    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            conn = self._local.conn = _dial_host_loopback(cls(self.netloc, timeout=self.timeout))
        return conn

    def _auth_header(self, scope: str) -> dict[str, str]:
        if scope in self._tokens:
            return {"Authorization": "Bearer " + self._tokens[scope]}
        if self._basic and self.credentials:
            return {"Authorization": "Basic " + base64.b64encode(":".join(self.credentials).encode()).decode()}
        return {}

    def request(self, method: str, path: str, headers: dict[str, str] | None = None, body=None,
                scope: str = "", retry: bool = True) -> http.client.HTTPResponse:
        """One request; answers a 401 challenge once, reconnects once on a dropped keep-alive connection."""
        url = path if path.startswith("http") else self.prefix + path
        all_headers = {**(headers or {}), **self._auth_header(scope)}
        try:
            conn = self._conn()
            conn.request(method, url, body=body, headers=all_headers)
            resp = conn.getresponse()
        except (ConnectionError, http.client.HTTPException) as err:
            self._local.conn = None
            if retry and not hasattr(body, "read"):
                return self.request(method, path, headers, body, scope, retry=False)
            raise RegistryUnreachable(f"Get \"{self.scheme}://{self.netloc}/v2/\": {err}") from None
        except OSError as err:
            self._local.conn = None
            raise RegistryUnreachable(f"Get \"{self.scheme}://{self.netloc}/v2/\": dial tcp {self.netloc}: {err.strerror or err}") from None
        if resp.status == 401 and retry:
            resp.read()
            self._answer(resp.getheader("WWW-Authenticate") or "", scope)
            if hasattr(body, "seek"):
                body.seek(0)
            return self.request(method, path, headers, body, scope, retry=False)
        return resp

    def _answer(self, challenge: str, scope: str) -> None:
        kind, params = _parse_challenge(challenge)
        if kind == "basic":
            if not self.credentials:
                raise Unauthorized("unauthorized: authentication required")
            self._basic = True
            return
        if kind != "bearer" or "realm" not in params:
            raise Unauthorized(f"unauthorized: unsupported challenge {challenge!r}")
        query = {"service": params.get("service", "")}
        if scope or params.get("scope"):
            query["scope"] = scope or params["scope"]
        realm = urllib.parse.urlsplit(params["realm"])
        cls = http.client.HTTPSConnection if realm.scheme == "https" else http.client.HTTPConnection
        conn = _dial_host_loopback(cls(realm.netloc, timeout=self.timeout))
        headers = {}
        if self.credentials:
            headers["Authorization"] = "Basic " + base64.b64encode(":".join(self.credentials).encode()).decode()
        try:
            conn.request("GET", f"{realm.path}?{urllib.parse.urlencode(query)}", headers=headers)
            resp = conn.getresponse()
            body = resp.read()
        except OSError as err:
            raise RegistryUnreachable(f"cannot fetch a token from {params['realm']}: {err}") from None
        finally:
            conn.close()
        if resp.status != 200:
            raise Unauthorized("unauthorized: incorrect username or password" if self.credentials
                               else "unauthorized: authentication required")
        doc = json.loads(body)
        self._tokens[scope] = doc.get("token") or doc.get("access_token") or ""

    @staticmethod
    def _error(resp: http.client.HTTPResponse, what: str) -> MinidockerError:
        body = resp.read()
        try:
            errors = json.loads(body).get("errors") or []
            message = "; ".join(f"{e.get('code', '').lower().replace('_', ' ')}: {e.get('message', '')}" for e in errors)
        except (ValueError, AttributeError):
            message = body.decode(errors="replace").strip()[:200]
        message = message or f"{what}: HTTP {resp.status}"
        if resp.status == 404:
            return NotFound(message)
        if resp.status == 401:
            return Unauthorized(message)
        if resp.status == 400 and "digest" in message.lower():
            return DigestMismatch(message)
        return MinidockerError(message)

    # -- reading --
    def ping(self) -> None:
        resp = self.request("GET", "/v2/")
        resp.read()
        if resp.status not in (200, 401):
            raise RegistryUnreachable(f"{self.netloc} does not speak the registry API (HTTP {resp.status})")

    def manifest(self, name: str, reference: str) -> Manifest:
        """A manifest or index by tag or digest, its bytes checked against the digest they claim."""
        resp = self.request("GET", f"/v2/{name}/manifests/{reference}", {"Accept": MANIFEST_ACCEPT}, scope=f"repository:{name}:pull")
        if resp.status != 200:
            raise self._error(resp, f"manifest {name}:{reference}")
        data = resp.read()
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        claimed = reference if ":" in reference else resp.getheader("Docker-Content-Digest")
        algorithm = (claimed or "").partition(":")[0]
        # checked by the claimed digest's own algorithm (a manifest pulled by sha512:... is hashed with sha512)
        actual = f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}" if algorithm in ("sha256", "sha512") else None
        if claimed and claimed != actual:
            raise DigestMismatch(f"manifest verification failed for digest {claimed}")
        media_type = (resp.getheader("Content-Type") or "").split(";")[0].strip() or json.loads(data).get("mediaType", "")
        return Manifest(data, media_type, digest)

    def blob(self, name: str, digest: str, sink: Callable[[bytes], None]) -> None:
        """Stream a blob into sink (the caller's content writer verifies the digest)."""
        resp = self.request("GET", f"/v2/{name}/blobs/{digest}", scope=f"repository:{name}:pull")
        if resp.status in (301, 302, 303, 307, 308):
            resp.read()
            resp = self.request("GET", resp.getheader("Location") or "", scope=f"repository:{name}:pull")
        if resp.status != 200:
            raise self._error(resp, f"blob {digest}")
        while chunk := resp.read(CHUNK):
            sink(chunk)

    def tags(self, name: str) -> list[str]:
        resp = self.request("GET", f"/v2/{name}/tags/list", scope=f"repository:{name}:pull")
        if resp.status != 200:
            raise self._error(resp, f"tags of {name}")
        return json.loads(resp.read()).get("tags") or []

    def search(self, term: str, limit: int = 25) -> list[dict]:
        resp = self.request("GET", f"/v1/search?{urllib.parse.urlencode({'q': term, 'n': limit})}")
        if resp.status != 200:
            raise self._error(resp, "search")
        return json.loads(resp.read()).get("results") or []

    # -- writing --
    def has_blob(self, name: str, digest: str) -> bool:
        resp = self.request("HEAD", f"/v2/{name}/blobs/{digest}", scope=f"repository:{name}:pull,push")
        resp.read()
        return resp.status == 200

    def mount(self, name: str, digest: str, source: str) -> bool:
        """Cross-repository mount; False when the registry started an upload instead (it is cancelled)."""
        resp = self.request("POST", f"/v2/{name}/blobs/uploads/?mount={digest}&from={source}",
                            {"Content-Length": "0"}, scope=f"repository:{name}:pull,push")
        resp.read()
        if resp.status == 201:
            return True
        if resp.status == 202 and resp.getheader("Location"):
            self.request("DELETE", resp.getheader("Location")).read()
        return False

    def push_blob(self, name: str, digest: str, size: int, reader: BinaryIO,
                  progress: Callable[[int], None] = lambda n: None) -> None:
        """POST an upload, PATCH it in chunks, PUT with the digest (the registry verifies)."""
        scope = f"repository:{name}:pull,push"
        resp = self.request("POST", f"/v2/{name}/blobs/uploads/", {"Content-Length": "0"}, scope=scope)
        resp.read()
        if resp.status != 202:
            raise self._error(resp, "upload")
        location, done = resp.getheader("Location") or "", 0
        while done < size:
            chunk = reader.read(min(UPLOAD_CHUNK, size - done))
            if not chunk:
                break
            resp = self.request("PATCH", location, {"Content-Type": "application/octet-stream", "Content-Length": str(len(chunk)),
                                                    "Content-Range": f"{done}-{done + len(chunk) - 1}"}, chunk, scope=scope)
            resp.read()
            if resp.status != 202:
                raise self._error(resp, "upload chunk")
            location = resp.getheader("Location") or location
            done += len(chunk)
            progress(done)
        sep = "&" if "?" in location else "?"
        resp = self.request("PUT", f"{location}{sep}digest={digest}", {"Content-Length": "0"}, scope=scope)
        if resp.status != 201:
            raise self._error(resp, "upload commit")
        resp.read()

    def put_manifest(self, name: str, reference: str, data: bytes, media_type: str) -> str:
        resp = self.request("PUT", f"/v2/{name}/manifests/{reference}", {"Content-Type": media_type}, data,
                            scope=f"repository:{name}:pull,push")
        if resp.status != 201:
            raise self._error(resp, "manifest put")
        resp.read()
        return resp.getheader("Docker-Content-Digest") or "sha256:" + hashlib.sha256(data).hexdigest()
