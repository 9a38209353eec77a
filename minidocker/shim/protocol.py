"""The shim's wire protocol: JSON lines on a unix socket (a tiny cousin of containerd's ttrpc task API).

containerd keeps only a shim's socket address and pid on disk, so that after its own restart it
can reconnect here. The protocol is deliberately small and stdlib-only (the shim never imports grpc).

Each request is one JSON object on one line; the answer is one JSON object on one line. A
connection may carry several requests in turn. Every request has "method"; "exec_id" ("" or
absent = the container's init process) where it applies:

  create    id, bundle, spec (config.json as an object), rootfs [{type, source, options}],
            runtime, runtime_root, runtime_command (optional argv prefix that starts the runtime),
            io {stdin, stdout, stderr, terminal}, log_path  -> pid
  start     exec_id                                   -> pid
  state     exec_id          -> status ("created"/"running"/"paused"/"stopped"/"deleted"), pid,
                                exit_status, exited_at_ns, oom_killed
  kill      exec_id, signal, all                      -> {}
  wait      exec_id           (blocks until the process has exited) -> exit_status, exited_at_ns, oom_killed
  exec      exec_id, process (OCI Process object), io -> {}
  resize    exec_id, width, height                    -> {}
  close_io  exec_id, stdin                            -> {}
  pids                                                -> pids [int]
  pause / resume    (the init: runtime pause / resume; state "paused" between) -> {}
  update    resources (linux.resources as an object: runtime update) -> {}
  delete    exec_id  (init: runtime delete, rootfs unmounted, then the shim exits) -> exit_status, ...
  shutdown  force                                     -> {} (the shim exits if nothing is left to hold)
  ping                                                -> pid (the shim's own)

Answers are {"ok": true, ...fields} or {"ok": false, "kind": "<errors.py class name>", "error": "text"}.
"""

from __future__ import annotations

import json
import os
import socket


MAX_LINE = 4 << 20  # a request carries a whole config.json; 4 MiB is far more than any


class ShimError(Exception):
    """An error answer from a shim, carrying the name of the errors.py class it maps to."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def encode(message: dict) -> bytes:
    """One message as one line."""
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> dict:
    """One line back to a message; a malformed line raises ValueError."""
    value = json.loads(line)
    if not isinstance(value, dict):
        raise ValueError("a message must be a JSON object")
    return value


def socket_address(run_dir: str, container_id: str) -> str:
    """Where a container's shim listens: short (unix socket paths are limited to 107 bytes), so hashed."""
    import hashlib

    return os.path.join(run_dir, "s", hashlib.sha256(container_id.encode()).hexdigest()[:16])


class ShimConnection:
    """A client connection to one shim; one request at a time (use one connection per concurrent call)."""

    def __init__(self, address: str, timeout: float | None = 30.0) -> None:
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(address)
        except OSError:
            self.sock.close()
            raise
        self.reader = self.sock.makefile("rb")

    def call(self, method: str, timeout: float | None = 30.0, **args: object) -> dict:
        """Send one request and read its answer; timeout None waits for ever (for `wait`)."""
        self.sock.settimeout(timeout)
        self.sock.sendall(encode({"method": method, **args}))
        line = self.reader.readline(MAX_LINE)
        if not line:
            raise ConnectionError(f"shim at {self.address} closed the connection during {method}")
        answer = decode(line)
        if not answer.get("ok"):
            raise ShimError(answer.get("kind", "MinidockerError"), answer.get("error", "shim error"))
        answer.pop("ok", None)
        return answer

    def close(self) -> None:
        self.reader.close()
        self.sock.close()

    def __enter__(self) -> "ShimConnection":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def call(address: str, method: str, timeout: float | None = 30.0, **args: object) -> dict:
    """One request on a fresh connection."""
    with ShimConnection(address, timeout=timeout) as conn:
        return conn.call(method, timeout=timeout, **args)
