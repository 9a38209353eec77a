"""Exec endpoints: create, start (hijacked unless detached), inspect, resize (cf. moby api/server/router/container/exec.go)."""

from __future__ import annotations

import threading

from .. import streams
from .. import apitypes
from ..containers import detachkeys
from ..containers.detachkeys import EscapeProxy
from .router import Request, Response, route


@route("POST", "/containers/{id}/exec")
def exec_create(req: Request) -> Response:
    d = req.backend
    c = d.containers.get(req.params["id"])
    return Response(201, {"Id": d.exec_create(c, req.json(apitypes.EXEC_CREATE) or {}, req.params["id"])})


# What dockerd 20.10 writes when the detach keys end an exec stream: the escape arrives wrapped, so it is
# reported as a failure (moby daemon/exec.go ContainerExecStart, container/stream/attach.go).
DETACH_ERROR = b"exec attach failed: error on attach stdin: read escape sequence"


@route("POST", "/exec/{id}/start")
def exec_start(req: Request) -> Response:
    d = req.backend
    ex = d.exec_get(req.params["id"])
    body = req.json(apitypes.EXEC_START) or {}
    detach = bool(body.get("Detach"))
    queue = d.exec_prepare(ex, detach)
    if detach:
        d.exec_launch(ex)
        if ex.error:
            from ...errors import RuntimeFailure

            raise RuntimeFailure(ex.error)
        return Response(200, b"", content_type="application/json")
    io = ex.io
    tty = bool(ex.config.get("Tty"))  # the process's terminal: exec create's Tty
    encode = streams.encoder(bool(body.get("Tty")))  # the framing: exec start's own Tty, as dockerd
    want = {n for n, k in ((1, "AttachStdout"), (2, "AttachStderr")) if ex.config.get(k, True)}
    escape = EscapeProxy(detachkeys.parse(ex.config.get("DetachKeys") or "")) if tty else None
    detached = threading.Event()

    def stdin_pump(conn) -> None:
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                if escape is not None:
                    data, detach_now = escape.feed(data)
                    if data:
                        io.write_stdin(data)
                    if detach_now:  # dockerd 20.10: a failed attach (see Daemon.exec_detached)
                        detached.set()
                        d.exec_detached(ex)
                        queue.put(None)  # wakes the writer below, which reports it and closes the stream
                        return
                    continue
                io.write_stdin(data)
        except OSError:
            return
        io.close_stdin()  # end of file, after what was written

    def serve(conn) -> None:
        d.exec_launch(ex)
        if ex.error:
            conn.sendall(encode(streams.STDOUT, ex.error.encode() + b"\r\n"))  # as dockerd: on stdout
            return
        if ex.config.get("AttachStdin"):
            threading.Thread(target=stdin_pump, args=(conn,), daemon=True).start()
        while not detached.is_set():
            item = queue.get()
            if item is None:
                break
            n, data = item
            if (1 in want) if tty else (n in want):  # with a tty there is one stream: stdout's
                conn.sendall(encode(n, data))
        if detached.is_set():
            io.hub.unsubscribe(queue)
            conn.sendall(encode(streams.STDOUT, DETACH_ERROR + b"\r\n"))  # as dockerd writes any exec error
            return
        # The output can end (end of file) a moment before the exit is recorded; `docker exec` reads
        # the exit code as soon as the stream closes, so close it only once the code is known.
        ex.done.wait()

    return Response(200, hijack=serve)


@route("GET", "/exec/{id}/json")
def exec_inspect(req: Request) -> Response:
    return Response(200, req.backend.exec_get(req.params["id"]).inspect())


@route("POST", "/exec/{id}/resize")
def exec_resize(req: Request) -> Response:
    d = req.backend
    ex = d.exec_get(req.params["id"])
    d.exec_resize(ex, int(req.query.get("h") or 0), int(req.query.get("w") or 0))
    return Response(201, b"", content_type="text/plain; charset=utf-8")
