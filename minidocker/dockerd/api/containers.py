"""Container endpoints: create, list, inspect, start, stop, kill, restart, remove, wait, logs, attach, top, prune, resize (cf. moby api/server/router/container/container_routes.go).

Handlers translate HTTP to calls on the Daemon (req.backend) and back; they hold no engine logic.
"""

from __future__ import annotations

import json
import logging
import threading
from queue import Empty
from typing import Iterator

from ...errors import Conflict, InvalidArgument, Unsupported
from .. import streams
from ..containers import detachkeys, logdriver
from ..containers import logs as logreader
from ..containers.detachkeys import EscapeProxy
from ..containers import views
from ..lifecycle import parse_signal
from .. import apitypes
from .router import Request, Response, route

log = logging.getLogger("minidockerd.api")

LIST_FILTERS = {"status", "name", "id", "label", "ancestor", "exited", "before", "since", "volume", "network",
                "health", "isolation", "publish", "expose", "is-task"}
STATUSES = {"created", "restarting", "running", "removing", "paused", "exited", "dead"}


def _int(req: Request, name: str) -> int | None:
    value = req.query.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidArgument(f"invalid value for {name}: {value!r}") from None


@route("POST", "/containers/create")
def create(req: Request) -> Response:
    return Response(201, req.backend.create_container(req.query.get("name", ""), req.json(apitypes.CONTAINER_CREATE)))


def _matches(d, c, filters: dict[str, list[str]]) -> bool:
    if "status" in filters and c.state.status.value not in filters["status"]:
        return False
    if "name" in filters:
        import re

        if not any(re.search(p, c.name.lstrip("/")) or re.search(p, c.name) for p in filters["name"]):
            return False
    if "id" in filters and not any(c.id.startswith(p) for p in filters["id"]):
        return False
    labels = c.config.get("Labels") or {}
    for f in filters.get("label", []):
        key, eq, value = f.partition("=")
        if key not in labels or (eq and labels[key] != value):
            return False
    if "exited" in filters:
        if c.state.status.value != "exited" or str(c.state.exit_code) not in filters["exited"]:
            return False
    if "ancestor" in filters:
        ok = False
        for ref in filters["ancestor"]:
            try:
                ok = ok or d.images.get(ref).id == c.image_id
            except Exception:  # noqa: BLE001 - an unknown image matches nothing
                ok = ok or ref == c.config.get("Image")
        if not ok:
            return False
    if "health" in filters and ((c.state.health or {}).get("Status") or "none") not in filters["health"]:
        return False
    if "volume" in filters and not any(m.get("Name") in filters["volume"] or m.get("Destination") in filters["volume"]
                                       for m in c.mount_points):
        return False
    return True


def _port_filter(key: str, value: str) -> list[str]:
    """`publish=80`, `expose=8000-8080/udp`: the container ports a filter names, as "80/tcp" keys
    (cf. moby daemon/list.go portOp)."""
    port, _, proto = value.partition("/")
    start, _, end = port.partition("-")
    for part in (start, end) if end else (start,):
        if not part.isdigit():  # dockerd's words, from Go's strconv
            raise InvalidArgument(f'error while looking up for {key} {value}: strconv.ParseUint: parsing "{part}": '
                                  "invalid syntax")
    return [f"{n}/{proto or 'tcp'}" for n in range(int(start), int(end or start) + 1)]


def _ports_match(filters: dict[str, list[str]], ports: list[dict]) -> bool:
    """publish / expose filters against the container's live port map (its ps Ports entries), as moby
    matches NetworkSettings.Ports: a container that is not running, or has no network, matches neither."""
    exposed = {f"{p['PrivatePort']}/{p['Type']}" for p in ports}
    published = {f"{p['PrivatePort']}/{p['Type']}" for p in ports if p.get("PublicPort")}
    for key, have in (("publish", published), ("expose", exposed)):
        if key in filters and not any(p in have for v in filters[key] for p in _port_filter(key, v)):
            return False
    return True


@route("GET", "/containers/json")
def list_containers(req: Request) -> Response:
    d = req.backend
    filters = req.filters()
    for key in filters:
        if key not in LIST_FILTERS:
            raise InvalidArgument(f"Invalid filter '{key}'")  # dockerd's capital I
    for s in filters.get("status", []):
        if s not in STATUSES:
            raise InvalidArgument(f"Invalid filter 'status={s}'")
    for s in filters.get("exited", []):
        if not s.lstrip("-").isdigit():
            raise InvalidArgument(f'strconv.Atoi: parsing "{s}": invalid syntax')
    for s in filters.get("health", []):
        if s not in ("starting", "healthy", "unhealthy", "none"):
            raise InvalidArgument(f"Unrecognised filter value for health: {s}")
    for key in ("publish", "expose"):
        for value in filters.get(key, []):
            _port_filter(key, value)  # checked up front, even when there is no container to match
    show_all = req.flag("all") or bool(filters.get("status")) or bool(filters.get("exited"))
    if (_int(req, "limit") or 0) > 0:  # the API: "limit: ... most recently created, including non-running ones"
        show_all = True
    items = sorted(d.containers.all(), key=lambda c: c.created, reverse=True)
    if "before" in filters:
        ref = d.containers.get(filters["before"][0])
        items = [c for c in items if c.created < ref.created]
        show_all = True
    if "since" in filters:
        ref = d.containers.get(filters["since"][0])
        items = [c for c in items if c.created > ref.created]
        show_all = True
    out = []
    for c in items:
        if not show_all and not c.state.running:
            continue
        try:
            if not _matches(d, c, filters):
                continue
            entry = views.summary(c, d.image_name(c))
        except (TypeError, AttributeError, KeyError, ValueError):
            # one damaged record must not hide every other container from every client
            log.exception("ps: skipping container %s, its record is damaged", c.id)
            continue
        if not _ports_match(filters, entry.get("Ports") or []):
            continue
        if req.flag("size"):
            entry["SizeRw"], entry["SizeRootFs"] = d.container_sizes(c)
        out.append(entry)
    limit = _int(req, "limit")
    if limit and limit > 0:
        out = out[:limit]
    return Response(200, out)


@route("GET", "/containers/{id}/json")
def inspect(req: Request) -> Response:
    d = req.backend
    c = d.containers.get(req.params["id"])
    data = views.inspect(c, d.graph_driver(c))
    if req.flag("size"):
        data["SizeRw"], data["SizeRootFs"] = d.container_sizes(c)
    return Response(200, data)


@route("POST", "/containers/{id}/start")
def start(req: Request) -> Response:
    d = req.backend
    d.start_container(d.containers.get(req.params["id"]))
    return Response(204)


@route("POST", "/containers/{id}/stop")
def stop(req: Request) -> Response:
    d = req.backend
    d.stop_container(d.containers.get(req.params["id"]), _int(req, "t"))
    return Response(204)


@route("POST", "/containers/{id}/kill")
def kill(req: Request) -> Response:
    d = req.backend
    d.kill_container(d.containers.get(req.params["id"]), parse_signal(req.query.get("signal")))
    return Response(204)


@route("POST", "/containers/{id}/restart")
def restart(req: Request) -> Response:
    d = req.backend
    d.restart_container(d.containers.get(req.params["id"]), _int(req, "t"))
    return Response(204)


@route("DELETE", "/containers/{id}")
def remove(req: Request) -> Response:
    d = req.backend
    if req.flag("link"):
        raise Conflict("Conflict, cannot remove the default link name of the container")
    d.remove_container(d.containers.get(req.params["id"]), force=req.flag("force"), volumes=req.flag("v"))
    return Response(204)


@route("POST", "/containers/{id}/rename")
def rename(req: Request) -> Response:
    d = req.backend
    d.rename_container(d.containers.get(req.params["id"]), req.query.get("name", ""))
    return Response(204)


@route("POST", "/containers/{id}/wait")
def wait(req: Request) -> Response:
    d = req.backend
    c = d.containers.get(req.params["id"])
    condition = req.query.get("condition", "")
    if condition not in ("", "not-running", "next-exit", "removed"):
        raise InvalidArgument(f"invalid condition: {condition!r}")

    seen = c.state.exits  # now, before the headers go out: an exit from here on counts for next-exit

    def body() -> Iterator[bytes]:
        result = d.wait_container(c, condition, req.conn.peer_gone, seen)
        if result is not None:
            yield json.dumps(result).encode() + b"\n"

    return Response(200, stream=body())


@route("GET", "/containers/{id}/logs")
def logs(req: Request) -> Response:
    d = req.backend
    c = d.containers.get(req.params["id"])
    want = {s for s in ("stdout", "stderr") if req.flag(s)}
    if not want:
        raise InvalidArgument("Bad parameters: you must choose at least one stream")
    if c.log_path is None:  # the none driver
        raise Unsupported(logdriver.NOT_SUPPORTED_READING)
    follow = req.flag("follow")
    stamps = req.flag("timestamps")
    tail = logreader.parse_tail(req.query.get("tail"))
    since = logreader.parse_since(req.query.get("since"))
    until = logreader.parse_since(req.query.get("until"))
    encode = streams.encoder(c.tty)

    def body() -> Iterator[bytes]:
        for stream, text, when in logreader.read(c.log_path, want, tail, since, until, follow,
                                                 lambda: not c.state.running, req.conn.peer_gone):
            payload = (f"{when} {text}" if stamps else text).encode("utf-8", "surrogateescape")
            yield encode(streams.STREAM_IDS[stream], payload)

    return Response(200, stream=body(), content_type=None)


@route("POST", "/containers/{id}/attach")
def attach(req: Request) -> Response:
    d = req.backend
    c = d.containers.get(req.params["id"])
    if c.state.status.value == "paused":
        raise Conflict("You cannot attach to a paused container, unpause it first")
    keys = req.query.get("detachKeys") or ""
    try:
        escape = EscapeProxy(detachkeys.parse(keys)) if c.tty else None  # detach keys work with a tty only
    except ValueError:
        raise InvalidArgument(f"Invalid detach keys ({keys}) provided") from None
    want = {n for n, s in ((1, "stdout"), (2, "stderr")) if req.flag(s)}
    if c.tty:
        want &= {1}  # a tty has one stream, stdout's: a stdin-only (or stderr-only) attach gets no output
    use_stdin = req.flag("stdin") and bool(c.config.get("OpenStdin"))
    detached = threading.Event()
    replay = req.flag("logs")
    live = req.flag("stream")
    hub = d.hub(c)
    queue = hub.subscribe() if live else None
    run = hub.ended
    encode = streams.encoder(c.tty)

    def stdin_pump(conn) -> None:
        task = None
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                detach_now = False
                if escape is not None:
                    data, detach_now = escape.feed(data)
                task = task or hub.wait_task(run)
                if task is None:
                    if not want:  # stdin only: dockerd reads on until the client ends its input
                        continue
                    return
                if data:
                    task.write_stdin(data)
                if detach_now:  # the container runs on, its stdin open; only this attach ends
                    detached.set()
                    d.emit(c, "detach")
                    if queue is not None:
                        queue.put(None)
                    return
        except OSError:
            return
        # StdinOnce closes the container's stdin when this attach's input ends, but never with a tty: the
        # docker CLI swallows the detach keys itself and just hangs up (cf. moby container/stream/attach.go).
        if c.config.get("StdinOnce") and not c.tty:
            task = task or hub.wait_task(run)
            if task is not None:
                task.close_stdin()  # the shim reads to the end, then closes the process's stdin

    sent = [0]

    def serve(conn) -> None:
        try:
            if replay and c.log_path is not None:
                for stream, text, _ in logreader.read(c.log_path, {"stdout", "stderr"}, None, 0, 0, False,
                                                      lambda: True, lambda: False):
                    n = streams.STREAM_IDS[stream]
                    if n in want:
                        conn.sendall(encode(n, text.encode("utf-8", "surrogateescape")))
            if queue is None:
                return
            pump = None
            if use_stdin:
                pump = threading.Thread(target=stdin_pump, args=(conn,), daemon=True)
                pump.start()
            while True:
                try:
                    item = queue.get(timeout=1.0)
                except Empty:
                    # Nothing to say: notice a client that hung up (only when it sends no stdin,
                    # whose reader owns the socket's incoming side).
                    if not use_stdin and conn.peer_gone():
                        return
                    continue
                if item is None:
                    if pump is not None and not want and not detached.is_set():
                        pump.join()  # a stdin-only attach ends with the client's input, as in dockerd
                    return
                n, data = item
                if n in want:
                    conn.sendall(encode(n, data))
                    sent[0] += len(data)
        finally:
            log.debug("attach %s: %d bytes sent", c.id[:12], sent[0])
            if queue is not None:
                hub.unsubscribe(queue)

    return Response(200, hijack=serve)


@route("GET", "/containers/{id}/top")
def top(req: Request) -> Response:
    from ..containers import top as topmod

    d = req.backend
    c = d.containers.get(req.params["id"])
    if not c.state.running:
        raise Conflict(f"Container {c.id} is not running")
    pids = d.tasks.pids(c.id)
    return Response(200, topmod.table(pids, req.query.get("ps_args", "")))


@route("POST", "/containers/prune")
def prune(req: Request) -> Response:
    return Response(200, req.backend.prune_containers(req.filters()))


@route("POST", "/containers/{id}/resize")
def resize(req: Request) -> Response:
    d = req.backend
    c = d.containers.get(req.params["id"])
    h, w = _int(req, "h") or 0, _int(req, "w") or 0
    if not c.state.running:
        raise Conflict(f"Container {c.id} is not running")
    d.tasks.resize(c.id, "", w, h)
    return Response(200, b"", content_type="text/plain; charset=utf-8")



@route("HEAD", "/containers/{id}/archive")
def archive_head(req: Request) -> Response:
    from ..containers import archive

    d = req.backend
    c = d.containers.get(req.params["id"])
    header = archive.stat_header(d, c, req.query.get("path", ""))
    return Response(200, b"", headers={"X-Docker-Container-Path-Stat": header}, content_type="application/json")


@route("GET", "/containers/{id}/archive")
def archive_get(req: Request) -> Response:
    from ..containers import archive

    d = req.backend
    c = d.containers.get(req.params["id"])
    header, data = archive.get(d, c, req.query.get("path", ""))
    return Response(200, data, headers={"X-Docker-Container-Path-Stat": header}, content_type="application/x-tar")


@route("PUT", "/containers/{id}/archive")
def archive_put(req: Request) -> Response:
    from ..containers import archive

    d = req.backend
    c = d.containers.get(req.params["id"])
    archive.put(d, c, req.query.get("path", ""), req.body_stream().read(), req.flag("noOverwriteDirNonDir"))
    return Response(200, b"", content_type=None)


@route("GET", "/containers/{id}/stats")
def stats(req: Request) -> Response:
    from ..containers import stats as statsmod

    d = req.backend
    c = d.containers.get(req.params["id"])
    follow = req.flag("stream", True)
    one_shot = req.flag("one-shot")
    samples = statsmod.stream(c, one_shot, follow, req.conn.peer_gone)
    if not follow:
        first = next(iter(samples), None)
        if first is None:
            first = {"read": "0001-01-01T00:00:00Z", "name": c.name, "id": c.id, "pids_stats": {},
                     "cpu_stats": {"cpu_usage": {"total_usage": 0}, "system_cpu_usage": 0},
                     "precpu_stats": {"cpu_usage": {"total_usage": 0}}, "memory_stats": {}}
        return Response(200, first)
    return Response(200, stream=(json.dumps(s).encode() + b"\n" for s in samples))


from . import commit  # noqa: E402,F401 - registers /containers/{id}/changes and /commit (main.py imports this module)
from . import container_control  # noqa: E402,F401 - registers pause, unpause and update
