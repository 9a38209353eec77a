"""The course's registry: the OCI Distribution API v1.1 over HTTP, plus Docker Hub's v1 search (cf. distribution registry/handlers/).

Started by `minidocker registry serve [--listen 127.0.0.1:5000] [--root DIR]`, in the foreground.
Blobs (GET/HEAD with Range, DELETE), uploads (POST, monolithic PUT, chunked PATCH, cross-repository
mount), manifests by tag or digest (OCI and Docker schema2, manifests and indexes, stored byte for
byte), tags/list and _catalog with pagination, /v1/search. Optional basic auth and the bearer-token
challenge flow. A TLS ClientHello on this plain-HTTP port gets a plain 400 and a close, never a hang.
"""

from __future__ import annotations

import json
import re
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..errors import DigestMismatch, InvalidArgument, NotFound
from .auth import Auth
from .storage import Storage

NAME = r"(?P<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)"
ROUTES = [
    ("base", re.compile(r"^/v2/?$")),
    ("catalog", re.compile(r"^/v2/_catalog$")),
    ("tags", re.compile(rf"^/v2/{NAME}/tags/list$")),
    ("manifest", re.compile(rf"^/v2/{NAME}/manifests/(?P<ref>[^/]+)$")),
    ("upload", re.compile(rf"^/v2/{NAME}/blobs/uploads/(?P<upload>[^/]*)$")),
    ("blob", re.compile(rf"^/v2/{NAME}/blobs/(?P<digest>sha256:[a-f0-9]{{64}}|[^/]+)$")),
    ("search", re.compile(r"^/v1/search$")),
    ("token", re.compile(r"^/token$")),
]
MANIFEST_TYPES = {
    "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json",
}
TLS_HANDSHAKE = 0x16


class RegistryError(Exception):
    """An error in the distribution spec's shape: {"errors": [{"code", "message", "detail"}]}."""

    def __init__(self, status: int, code: str, message: str, detail: object = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "RegistryServer"

    def log_message(self, fmt: str, *args: object) -> None:  # quiet by default; --verbose turns it on
        if self.server.verbose:
            super().log_message(fmt, *args)

    def handle(self) -> None:
        try:
            first = self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return
        if first and first[0] == TLS_HANDSHAKE:  # skopeo tries TLS first: answer plainly, then close
            self.connection.sendall(b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
                                    b"Client sent an HTTPS request to an HTTP server.\n")
            return
        super().handle()

    # -- plumbing --
    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, ctype: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        if ctype:
            self.send_header("Content-Type", ctype)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj: object, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), headers, "application/json")

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return b"".join(self._chunks())
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _chunks(self):
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return
            yield self.rfile.read(size)
            self.rfile.readline()

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        try:
            for kind, pattern in ROUTES:
                m = pattern.match(url.path)
                if m:
                    args = m.groupdict()
                    if kind not in ("token", "search"):
                        self.server.auth.check(self, args.get("name"))
                    getattr(self, f"{kind}_{self.command.lower()}", self._unsupported)(**args)
                    return
            raise RegistryError(404, "NOT_FOUND", "page not found")
        except RegistryError as err:
            self._json(err.status, {"errors": [{"code": err.code, "message": err.message, "detail": err.detail}]},
                       getattr(err, "headers", None))
        except DigestMismatch as err:
            self._json(400, {"errors": [{"code": "DIGEST_INVALID", "message": "provided digest did not match uploaded content", "detail": str(err)}]})
        except InvalidArgument as err:
            code = "NAME_INVALID" if "repository name" in str(err) else "DIGEST_INVALID" if "digest" in str(err) else "TAG_INVALID"
            self._json(400, {"errors": [{"code": code, "message": str(err), "detail": None}]})
        except NotFound as err:
            text = str(err)
            code = ("BLOB_UPLOAD_UNKNOWN" if "upload" in text else "BLOB_UNKNOWN" if "blob" in text
                    else "NAME_UNKNOWN" if "repository" in text else "MANIFEST_UNKNOWN")
            self._json(404, {"errors": [{"code": code, "message": text, "detail": None}]})

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _dispatch

    def _unsupported(self, **_: str) -> None:
        raise RegistryError(405, "UNSUPPORTED", "The operation is unsupported.")

    @property
    def store(self) -> Storage:
        return self.server.storage

    # -- /v2/ --
    def base_get(self) -> None:
        self._json(200, {})

    base_head = base_get

    # -- blobs --
    def blob_head(self, name: str, digest: str) -> None:
        self.blob_get(name, digest)

    def blob_get(self, name: str, digest: str) -> None:
        path = self.store.blob(name, digest)
        size = path.stat().st_size
        start, end, status = 0, size - 1, 200
        rng = self.headers.get("Range")
        if rng:
            m = re.match(r"bytes=(\d*)-(\d*)$", rng.strip())
            if not m or (not m.group(1) and not m.group(2)):
                raise RegistryError(416, "RANGE_INVALID", "invalid content range")
            if m.group(1):
                start = int(m.group(1))
                end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
            else:
                start = max(0, size - int(m.group(2)))
            if start > end or start >= size:
                raise RegistryError(416, "RANGE_INVALID", "requested range not satisfiable")
            status = 206
        headers = {"Docker-Content-Digest": digest, "Content-Length": str(end - start + 1), "Accept-Ranges": "bytes",
                   "Etag": f'"{digest}"'}
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        self._send(status, b"", headers, "application/octet-stream")
        if self.command == "GET":
            with open(path, "rb") as f:
                f.seek(start)
                left = end - start + 1
                while left > 0:
                    data = f.read(min(1 << 20, left))
                    if not data:
                        break
                    self.wfile.write(data)
                    left -= len(data)

    def blob_delete(self, name: str, digest: str) -> None:
        self.store.delete_blob(name, digest)
        self._send(202, headers={"Docker-Content-Digest": digest})

    # -- uploads --
    def _upload_headers(self, name: str, upload: str) -> dict[str, str]:
        size = self.store.upload_size(name, upload)
        return {"Location": f"/v2/{name}/blobs/uploads/{upload}", "Docker-Upload-UUID": upload,
                "Range": f"0-{max(size - 1, 0)}"}

    def upload_post(self, name: str, upload: str) -> None:
        if upload:
            self._unsupported()
        mount, source = self.query.get("mount"), self.query.get("from")
        if mount and source and self.store.mount_blob(name, mount, source):
            self._send(201, headers={"Location": f"/v2/{name}/blobs/{mount}", "Docker-Content-Digest": mount})
            return
        new = self.store.start_upload(name)
        digest = self.query.get("digest")
        if digest:  # monolithic upload in the POST itself
            self._finish(name, new, digest)
            return
        self._send(202, headers=self._upload_headers(name, new))

    def upload_patch(self, name: str, upload: str) -> None:
        size = self.store.upload_size(name, upload)
        crange = self.headers.get("Content-Range")
        if crange:
            m = re.match(r"(?:bytes )?(\d+)-(\d+)", crange)
            if not m or int(m.group(1)) != size:
                raise RegistryError(416, "BLOB_UPLOAD_INVALID", f"chunk out of order: upload is at {size}, chunk starts at {crange}")
        self._append(name, upload)
        self._send(202, headers=self._upload_headers(name, upload))

    def _append(self, name: str, upload: str) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            import io

            self.store.append(name, upload, io.BytesIO(self._body()), None)
        else:
            self.store.append(name, upload, self.rfile, int(self.headers.get("Content-Length") or 0))

    def upload_put(self, name: str, upload: str) -> None:
        digest = self.query.get("digest")
        if not digest:
            raise RegistryError(400, "DIGEST_INVALID", "digest missing from the upload's PUT")
        self.store.upload_size(name, upload)
        self._append(name, upload)
        self._finish(name, upload, digest)

    def _finish(self, name: str, upload: str, digest: str) -> None:
        if self.command == "POST":
            self._append(name, upload)
        self.store.finish_upload(name, upload, digest)
        self._send(201, headers={"Location": f"/v2/{name}/blobs/{digest}", "Docker-Content-Digest": digest})

    def upload_get(self, name: str, upload: str) -> None:
        self._send(204, headers=self._upload_headers(name, upload))

    def upload_delete(self, name: str, upload: str) -> None:
        self.store.cancel_upload(name, upload)
        self._send(204)

    # -- manifests --
    def manifest_get(self, name: str, ref: str) -> None:
        data, media_type, digest = self.store.manifest(name, ref)
        self._send(200, data, {"Docker-Content-Digest": digest, "Etag": f'"{digest}"'}, media_type)

    manifest_head = manifest_get

    def manifest_put(self, name: str, ref: str) -> None:
        from .manifests import check_references

        data = self._body()
        media_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        try:
            doc = json.loads(data)
        except ValueError:
            raise RegistryError(400, "MANIFEST_INVALID", "manifest invalid: not JSON") from None
        media_type = media_type if media_type in MANIFEST_TYPES else doc.get("mediaType", "")
        if media_type not in MANIFEST_TYPES:
            raise RegistryError(400, "MANIFEST_INVALID", f"manifest invalid: unsupported media type {media_type!r}")
        missing = check_references(self.store, name, doc, media_type)
        if missing:
            raise RegistryError(400, "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry", {"digest": missing})
        tag = None if ref.startswith("sha256:") else ref
        digest = self.store.put_manifest(name, data, media_type, tag)
        if tag is None and digest != ref:
            raise RegistryError(400, "DIGEST_INVALID", "manifest digest did not match", {"digest": ref})
        self._send(201, headers={"Location": f"/v2/{name}/manifests/{digest}", "Docker-Content-Digest": digest})

    def manifest_delete(self, name: str, ref: str) -> None:
        self.store.delete_manifest(name, ref)
        self._send(202)

    # -- listings --
    def _page(self, items: list[str], base: str) -> tuple[list[str], dict[str, str]]:
        last = self.query.get("last")
        if last:
            items = [i for i in items if i > last]
        n = self.query.get("n")
        headers = {}
        if n not in (None, ""):
            count = int(n)
            if len(items) > count:
                items = items[:count]
                headers["Link"] = f'<{base}?n={count}&last={items[-1] if items else ""}>; rel="next"'
            else:
                items = items[:count]
        return items, headers

    def tags_get(self, name: str) -> None:
        tags, headers = self._page(self.store.tags(name), f"/v2/{name}/tags/list")
        self._json(200, {"name": name, "tags": tags}, headers)

    def catalog_get(self) -> None:
        repos, headers = self._page(self.store.repositories(), "/v2/_catalog")
        self._json(200, {"repositories": repos}, headers)

    # -- Docker Hub's v1 search, so `docker search` works --
    def search_get(self) -> None:
        from .search import search

        self._json(200, search(self.store, self.query.get("q", ""), int(self.query.get("n") or 25),
                               int(self.query.get("page") or 1)))

    # -- the bearer-token endpoint --
    def token_get(self) -> None:
        self._json(200, self.server.auth.issue(self))


class RegistryServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], root: Path, auth: Auth | None = None, verbose: bool = False) -> None:
        super().__init__(address, Handler)
        self.storage = Storage(root)
        self.auth = auth or Auth()
        self.verbose = verbose
