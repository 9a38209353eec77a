"""A course registry on a loopback port for one test, and small Distribution API helpers (urllib and raw sockets)."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import socket
import threading
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.error import HTTPError

from minidocker.registry.http11 import Limits
from minidocker.registry.server import RegistryServer

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def digest(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


@contextmanager
def serving(root: Path, **limits):
    """A RegistryServer on 127.0.0.1:<free port> (limits shrunk as asked), shut down and closed afterwards."""
    server = RegistryServer(("127.0.0.1", 0), root, limits=Limits(**limits))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def url(server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def call(server, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(url(server, path), data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except HTTPError as err:
        return err.code, dict(err.headers), err.read()


def code(body: bytes) -> str:
    return json.loads(body)["errors"][0]["code"]


def push_blob(server, name: str, data: bytes, algorithm: str = "sha256") -> str:
    query = "" if algorithm == "sha256" else f"?digest-algorithm={algorithm}"
    status, headers, _ = call(server, "POST", f"/v2/{name}/blobs/uploads/{query}")
    assert status == 202, status
    status, headers, body = call(server, "PUT", f"{headers['Location']}?digest={digest(data, algorithm)}", data)
    assert status == 201 and headers["Docker-Content-Digest"] == digest(data, algorithm), body
    return digest(data, algorithm)


def manifest_doc(server, name: str, seed: bytes, algorithm: str = "sha256", **extra) -> dict:
    """An OCI image manifest whose config and one layer are pushed to `name` first."""
    layer = gzip.compress(b"layer " + seed)
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
                         "seed": seed.decode()}).encode()
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                      "digest": push_blob(server, name, config, algorithm), "size": len(config)},
           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": push_blob(server, name, layer, algorithm), "size": len(layer)}]}
    doc.update(extra)
    return doc


def put_manifest(server, name: str, ref: str, doc: dict, media_type: str | None = None):
    data = json.dumps(doc).encode()
    return call(server, "PUT", f"/v2/{name}/manifests/{ref}", data,
                {"Content-Type": media_type or doc.get("mediaType", OCI_MANIFEST)}) + (data,)


class Conn:
    """One raw keep-alive connection: send bytes, read whole responses in order, see whether it closed."""

    def __init__(self, server, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=timeout)
        self.file = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def response(self, method: str = "GET") -> tuple[int, dict, bytes]:
        """The next response on the connection (http.client parses it; the buffer is shared between calls)."""
        resp = http.client.HTTPResponse(_Shared(self.file), method=method)
        resp.begin()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()

    def at_eof(self) -> bool:
        """True if the server closed (nothing more than EOF arrives); False if more bytes came."""
        try:
            return self.file.read(1) == b""
        except (ConnectionResetError, TimeoutError):
            return True

    def close(self) -> None:
        self.file.close()
        self.sock.close()

    def __enter__(self) -> "Conn":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Shared:
    """What http.client.HTTPResponse takes for a socket: one buffered file for every response, never closed by it."""

    def __init__(self, file) -> None:
        self.file = file

    def makefile(self, *args, **kwargs):
        return self

    def __getattr__(self, name):
        return getattr(self.file, name)

    def close(self) -> None:
        pass


def request(method: str, path: str, body: bytes = b"", headers: dict | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body and not any(k.lower() in ("content-length", "transfer-encoding") for k in headers or {}):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
