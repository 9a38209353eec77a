"""The course's registry: the OCI Distribution API v1.1 over HTTP, plus Docker Hub's v1 search (cf. distribution registry/handlers/).

Started by `minidocker registry serve [--listen 127.0.0.1:5000] [--root DIR]`, in the foreground.
Blobs (GET/HEAD with Range, DELETE), uploads (POST, monolithic PUT, chunked PATCH with Content-Range,
cross-repository mount), manifests by tag or digest (OCI and Docker schema2, manifests and indexes,
validated whole, stored byte for byte), sha256 and sha512 content addresses, the referrers API and
`OCI-Subject`, tags/list and _catalog with pagination, /v1/search. Optional basic auth and the
bearer-token flow. The HTTP framing (limits, bodies never left unread) is http11.py's. A TLS
ClientHello on this plain-HTTP port gets a plain 400 and a close, never a hang.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from . import digests
from .auth import Auth
from .errcodes import BlobUploadInvalid, DigestInvalid, ManifestInvalid, RangeInvalid, RegistryError, Unsupported
from .http11 import BodyError, BodyTooLarge, Limits, SafeHandler
from .storage import Storage, lock_root

NAME = r"(?P<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)"
ROUTES = [
    ("base", re.compile(r"^/v2/?$")),
    ("catalog", re.compile(r"^/v2/_catalog$")),
    ("tags", re.compile(rf"^/v2/{NAME}/tags/list$")),
    ("manifest", re.compile(rf"^/v2/{NAME}/manifests/(?P<ref>[^/]+)$")),
    ("referrers", re.compile(rf"^/v2/{NAME}/referrers/(?P<digest>[^/]+)$")),
    ("upload", re.compile(rf"^/v2/{NAME}/blobs/uploads/(?P<upload>[^/]*)$")),
    ("blob", re.compile(rf"^/v2/{NAME}/blobs/(?P<digest>[^/]+)$")),
    ("search", re.compile(r"^/v1/search$")),
    ("token", re.compile(r"^/token$")),
]
TLS_HANDSHAKE = 0x16
CONTENT_RANGE = re.compile(r"^(?:bytes[ =])?([0-9]{1,19})-([0-9]{1,19})(?:/(?:[0-9]{1,19}|\*))?$")


class Handler(SafeHandler):
    server: "RegistryServer"

    def log_message(self, fmt: str, *args: object) -> None:  # quiet by default; --verbose turns it on
        if self.server.verbose:
            super().log_message(fmt, *args)

    def log_error(self, fmt: str, *args: object) -> None:  # failures are always told
        super().log_message(fmt, *args)

    def handle(self) -> None:
        try:
            self.connection.settimeout(self.limits.idle_timeout)  # a client that never speaks is let go too
            first = self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return
        if first and first[0] == TLS_HANDSHAKE:  # skopeo tries TLS first: answer plainly, then close
            self.connection.sendall(b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
                                    b"Client sent an HTTPS request to an HTTP server.\n")
            self.linger = True  # the ClientHello is still unread: no reset before the client reads our answer
            return
        super().handle()

    @property
    def limits(self) -> Limits:  # type: ignore[override]
        return self.server.limits

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

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        self.params = parse_qs(url.query, keep_blank_values=True)
        self.query = {k: v[-1] for k, v in self.params.items()}
        try:
            for kind, pattern in ROUTES:
                m = pattern.match(url.path)
                if m:
                    args = m.groupdict()
                    if kind not in ("token", "search"):
                        self.server.auth.check(self, args.get("name"))
                    getattr(self, f"{kind}_{self.command.lower()}", self._unsupported)(**args)
                    return
            raise RegistryError("page not found", status=404, code="UNSUPPORTED")
        except RegistryError as err:
            self._json(err.status, err.document(), err.headers)
        except BodyTooLarge as err:
            self._json(413, RegistryError(str(err), {"limit": err.limit}, code="SIZE_INVALID").document())
        except BodyError as err:  # the body broke off or stalled: answer if the client still listens, then close
            self.close_connection, self.linger = True, True
            try:
                self._json(400, BlobUploadInvalid(f"request body: {err}").document())
            except OSError:
                pass
        except Exception as err:  # a bug or a disk error: a 500 the client can read, never a silent hang-up
            self.log_error("%s %s failed: %r", self.command, self.path, err)
            self.close_connection, self.linger = True, True
            if not self.answered:
                self._json(500, RegistryError(f"internal error: {type(err).__name__}: {err}", status=500).document())

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _dispatch

    def _unsupported(self, **_: str) -> None:
        raise Unsupported("The operation is unsupported.")

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
                raise RegistryError("invalid content range", status=416, code="UNSUPPORTED")
            if m.group(1):
                start = int(m.group(1))
                end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
            else:
                start = max(0, size - int(m.group(2)))
            if start > end or start >= size:
                raise RegistryError("requested range not satisfiable", status=416, code="UNSUPPORTED",
                                    headers={"Content-Range": f"bytes */{size}"})
            status = 206
        headers = {"Docker-Content-Digest": digest, "Content-Length": str(end - start + 1), "Accept-Ranges": "bytes",
                   "Etag": f'"{digest}"'}
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        self._send(status, b"", headers, "application/octet-stream")
        if self.command == "GET" and end >= start:
            with open(path, "rb") as f:
                self.wfile.flush()
                self.connection.sendfile(f, start, end - start + 1)  # zero-copy where the kernel can

    def blob_delete(self, name: str, digest: str) -> None:
        self.store.delete_blob(name, digest)
        self._send(202, headers={"Docker-Content-Digest": digest})

    # -- uploads --
    def _upload_headers(self, name: str, upload: str, size: int | None = None) -> dict[str, str]:
        size = self.store.uploads.size(name, upload) if size is None else size
        return {"Location": f"/v2/{name}/blobs/uploads/{upload}", "Docker-Upload-UUID": upload,
                "Range": f"0-{max(size - 1, 0)}"}

    def upload_post(self, name: str, upload: str) -> None:
        if upload:
            self._unsupported()
        mount, source, digest = self.query.get("mount"), self.query.get("from"), self.query.get("digest")
        if mount and self.store.mount_blob(name, mount, source or ""):
            self._send(201, headers={"Location": f"/v2/{name}/blobs/{mount}", "Docker-Content-Digest": mount})
            return
        if digest:
            digests.check(digest)  # before a byte of the body is taken
        algorithm = digest.split(":", 1)[0] if digest else self.query.get("digest-algorithm") or "sha256"
        new = self.store.uploads.start(name, algorithm)
        if digest:  # a monolithic upload in the POST itself
            self._append_and_finish(name, new, digest)
            return
        self._send(202, headers=self._upload_headers(name, new, 0))

    def _chunk_start(self) -> int | None:
        """Where Content-Range says the chunk goes (None without one); its length must be Content-Length's."""
        crange = self.headers.get("Content-Range")
        if not crange:
            return None
        m = CONTENT_RANGE.match(crange.strip())
        if not m:
            raise BlobUploadInvalid(f"invalid Content-Range {crange!r}: want START-END")
        start, end = int(m.group(1)), int(m.group(2))
        if end < start or (not self.body.chunked and self.body.length != end - start + 1):
            raise RangeInvalid(f"Content-Range {crange} does not cover the {self.body.length} bytes sent")
        return start

    def _append(self, name: str, folder: Path, upload: str) -> int:
        """The body onto the session where Content-Range says; a 416 tells where the session is (Range, Location)."""
        length = None if self.body.chunked else self.body.length
        try:
            return self.store.uploads.append(folder, self.body, self._chunk_start(), length, self.limits.max_blob_bytes)
        except RangeInvalid as err:
            err.headers.update(self._upload_headers(name, upload))
            raise

    def upload_patch(self, name: str, upload: str) -> None:
        with self.store.uploads.session(name, upload) as folder:
            size = self._append(name, folder, upload)
        self._send(202, headers=self._upload_headers(name, upload, size))

    def upload_put(self, name: str, upload: str) -> None:
        digest = self.query.get("digest")
        if not digest:
            raise DigestInvalid("digest missing from the upload's PUT")
        digests.check(digest)  # an unsupported algorithm: 400 before the body is read
        self._append_and_finish(name, upload, digest)

    def _append_and_finish(self, name: str, upload: str, digest: str) -> None:
        with self.store.uploads.session(name, upload) as folder:
            if self.body.chunked or self.body.length:
                self._append(name, folder, upload)
            self.store.uploads.finish(name, folder, digest)
        self._send(201, headers={"Location": f"/v2/{name}/blobs/{digest}", "Docker-Content-Digest": digest})

    def upload_get(self, name: str, upload: str) -> None:
        self._send(204, headers=self._upload_headers(name, upload))

    def upload_delete(self, name: str, upload: str) -> None:
        self.store.uploads.cancel(name, upload)
        self._send(204)

    # -- manifests --
    def manifest_get(self, name: str, ref: str) -> None:
        data, media_type, digest = self.store.manifest(name, ref)
        self._send(200, data, {"Docker-Content-Digest": digest, "Etag": f'"{digest}"'}, media_type)

    manifest_head = manifest_get

    def manifest_put(self, name: str, ref: str) -> None:
        from .manifests import validate

        limit = self.limits.max_manifest_bytes
        if not self.body.chunked and self.body.length > limit:
            raise ManifestInvalid(f"manifest too large: {self.body.length} bytes, the limit is {limit}",
                                  {"limit": limit}, status=413)
        try:
            data = self.body.read_all(limit)
        except BodyTooLarge:
            raise ManifestInvalid(f"manifest too large: the limit is {limit} bytes", {"limit": limit}, status=413) from None
        manifest = validate(self.store, name, ref, data, self.headers.get("Content-Type") or "",
                            self.params.get("tag", []))
        self.store.put_manifest(name, manifest.data, manifest.media_type, manifest.digest, manifest.tags,
                                manifest.subject, manifest.descriptor)
        headers = {"Location": f"/v2/{name}/manifests/{manifest.digest}", "Docker-Content-Digest": manifest.digest}
        if manifest.subject:
            headers["OCI-Subject"] = manifest.subject
        if ":" in ref and manifest.tags:
            headers["OCI-Tag"] = ", ".join(manifest.tags)
        self._send(201, headers=headers)

    def manifest_delete(self, name: str, ref: str) -> None:
        self.store.delete_manifest(name, ref)
        self._send(202)

    # -- referrers --
    def referrers_get(self, name: str, digest: str) -> None:
        from .referrers import listing

        n = self.query.get("n") or ""
        index, headers = listing(self.store, name, digest, self.query.get("artifactType") or None,
                                 self.query.get("last") or None, int(n) if n.isdigit() else None)
        self._send(200, json.dumps(index).encode(), headers)

    referrers_head = referrers_get

    # -- listings --
    def _page(self, items: list[str], base: str) -> tuple[list[str], dict[str, str]]:
        last = self.query.get("last")
        if last:
            items = [i for i in items if i > last]
        n = self.query.get("n")
        headers = {}
        if n not in (None, ""):
            if not n.isdigit():
                raise RegistryError(f"invalid n={n!r}", code="UNSUPPORTED")
            count = int(n)
            if len(items) > count:
                items = items[:count]
                if items:
                    headers["Link"] = f'<{base}?n={count}&last={items[-1]}>; rel="next"'
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
    """The registry on one address and storage root; holds the root's serving lock until closed."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], root: Path, auth: Auth | None = None, verbose: bool = False,
                 limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._lock_fd = lock_root(root, exclusive=False)
        if self._lock_fd is None:
            raise RegistryBusy(f"a garbage collection is running on {root}: serve it once that ends")
        try:
            super().__init__(address, Handler)
        except OSError:
            os.close(self._lock_fd)
            raise
        self.storage = Storage(root, self.limits.max_uploads_per_repository, self.limits.upload_idle_seconds)
        self.auth = auth or Auth()
        self.verbose = verbose
        self._slots = threading.BoundedSemaphore(self.limits.max_connections)

    def process_request(self, request: socket.socket, client_address: object) -> None:
        if not self._slots.acquire(blocking=False):  # every thread busy: say so and close, never queue unbounded
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
                                b"Connection: close\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: socket.socket, client_address: object) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def server_close(self) -> None:
        super().server_close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


class RegistryBusy(RuntimeError):
    """The storage root is held by a garbage collection."""
