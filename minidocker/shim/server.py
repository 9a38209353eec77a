"""The shim's socket server: one thread per connection, JSON lines in and out, protocol in protocol.py (cf. containerd's ttrpc server in the shim)."""

from __future__ import annotations

import os
import socket
import threading

from .. import trace
from ..errors import MinidockerError
from . import protocol
from .service import TaskService


def answer(service: TaskService, line: bytes) -> dict:
    """Dispatch one request line; every failure becomes an error answer, never a dead connection."""
    try:
        request = protocol.decode(line)
        method = request.get("method")
        if method not in TaskService.METHODS:
            return {"ok": False, "kind": "InvalidArgument", "error": f"unknown method {method!r}"}
        with trace.span(method):
            return {"ok": True, **getattr(service, method)(request)}
    except MinidockerError as err:
        return {"ok": False, "kind": type(err).__name__, "error": str(err)}
    except ValueError as err:
        return {"ok": False, "kind": "InvalidArgument", "error": f"bad request: {err}"}
    except Exception as err:  # an OSError from mount or the runtime: report it, keep serving
        return {"ok": False, "kind": "RuntimeFailure", "error": f"{type(err).__name__}: {err}"}


class Server:
    def __init__(self, service: TaskService, address: str, sock: socket.socket | None = None) -> None:
        """Serve on `sock` if the caller already listens (the shim does, to report readiness early)."""
        self.service = service
        self.address = address
        if sock is None:
            os.makedirs(os.path.dirname(address), exist_ok=True)
            if os.path.exists(address):
                os.unlink(address)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(address)
            os.chmod(address, 0o600)
            sock.listen(64)
        self.sock = sock
        self._busy = 0  # requests being answered: let them finish before the shim exits
        self._idle = threading.Condition()

    def _connection(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as reader:
            while True:
                try:
                    line = reader.readline(protocol.MAX_LINE)
                except OSError:
                    return
                if not line:
                    return
                with self._idle:
                    self._busy += 1
                try:
                    reply = answer(self.service, line)
                    conn.sendall(protocol.encode(reply))
                except OSError:
                    pass
                finally:
                    with self._idle:
                        self._busy -= 1
                        self._idle.notify_all()
                if self.service.finished.is_set():
                    self.stop()
                    return

    def stop(self) -> None:
        """Unblock accept() in the main thread: the shim is done."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def serve(self) -> None:
        while not self.service.finished.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                break
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()
        self.sock.close()
        with self._idle:  # waiters woken by the delete are still writing their answers
            self._idle.wait_for(lambda: self._busy == 0, timeout=2.0)
        try:
            os.unlink(self.address)
        except FileNotFoundError:
            pass
