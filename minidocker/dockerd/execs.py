"""docker exec: create, start (attached or detached), inspect, resize (cf. moby daemon/exec.go, daemon/exec/exec.go).

An exec is an extra process in a running container: dockerd builds its OCI Process from the container's
spec choices (user, env, cwd, capabilities), makes its FIFOs, and asks containerd to Exec then Start it.
A watcher waits for its exit code, which `docker exec` reads from GET /exec/{id}/json after the stream
ends; so the code is recorded BEFORE the output stream is ended.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..errors import Conflict, InvalidArgument, NotFound
from .containers import spec as specs
from .containers.record import Container
from .containers.state import Status
from .containers.stdio import TaskIO, abort

log = logging.getLogger("minidockerd.exec")


@dataclass
class Exec:
    id: str
    container: Container
    config: dict[str, Any]
    running: bool = False
    exit_code: int | None = None
    pid: int = 0
    io: TaskIO | None = None
    process: dict[str, Any] | None = None
    error: str = ""
    refused: str = ""  # why dockerd itself could not build the process (no such user...)
    detached: bool = False  # the detach keys ended its stream (see ExecMixin.exec_detached)
    done: threading.Event = field(default_factory=threading.Event)

    def inspect(self) -> dict[str, Any]:
        cmd = self.config.get("Cmd") or []
        return {
            "ID": self.id,
            "Running": self.running,
            "ExitCode": self.exit_code,
            "ProcessConfig": {"tty": bool(self.config.get("Tty")), "entrypoint": cmd[0] if cmd else "",
                              "arguments": list(cmd[1:]), "privileged": bool(self.config.get("Privileged")),
                              **({"user": self.config["User"]} if self.config.get("User") else {})},
            "OpenStdin": bool(self.config.get("AttachStdin")),
            "OpenStderr": bool(self.config.get("AttachStderr")),
            "OpenStdout": bool(self.config.get("AttachStdout")),
            "CanRemove": False,
            "ContainerID": self.container.id,
            "DetachKeys": detach_keys_b64(self.config.get("DetachKeys") or ""),
            "Pid": self.pid,
        }


def _process_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rpartition(b")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state in (b"Z", b"X")


def _still_running(c: Container) -> bool:
    """Whether the container runs, once an exit in flight is recorded: its watcher records the exit a
    moment after init ends, and `start` of a short command followed by `exec` must see it stopped, as
    with dockerd (no runtime error about a task that is gone)."""
    if c.state.running and c.state.pid and _process_gone(c.state.pid):
        deadline = time.monotonic() + 2.0
        with c.state.cond:
            while c.state.running and time.monotonic() < deadline:
                c.state.cond.wait(0.05)
    return bool(c.state.running)


def replace_or_append(env: list[str], overrides: list[str] | None) -> list[str]:
    """KEY=value pairs replace the same key in place or are appended; a bare KEY unsets it
    (cf. moby opts.ReplaceOrAppendEnvValues)."""
    out = list(env)
    for item in overrides or []:
        key, eq, _ = item.partition("=")
        found = [i for i, e in enumerate(out) if e.partition("=")[0] == key]
        if not eq:
            out = [e for e in out if e.partition("=")[0] != key]
        elif found:
            out[found[0]] = item
        else:
            out.append(item)
    return out


def exec_env(container_config: dict[str, Any], exec_config: dict[str, Any]) -> list[str]:
    """An exec's environment as dockerd builds it: PATH, HOSTNAME and (with -t) TERM, then the container's
    Env, then the exec's -e (cf. moby daemon/exec.go, container.CreateDaemonEnvironment)."""
    from ..oci.defaults import DEFAULT_PATH

    base = [DEFAULT_PATH, f"HOSTNAME={container_config.get('Hostname') or ''}"]
    if exec_config.get("Tty"):
        base.append("TERM=xterm")
    return replace_or_append(replace_or_append(base, container_config.get("Env")), exec_config.get("Env"))


EXEC_CONFIG_FIELDS = ("User", "Privileged", "Tty", "ConsoleSize", "AttachStdin", "AttachStderr", "AttachStdout",
                      "Detach", "DetachKeys", "Env", "WorkingDir", "Cmd")


def fold_keys(body: dict[str, Any]) -> dict[str, Any]:
    """Go's encoding/json matches field names case-insensitively: docker-py sends "detachKeys"."""
    canonical = {f.lower(): f for f in EXEC_CONFIG_FIELDS}
    return {canonical.get(k.lower(), k): v for k, v in body.items()}


def detach_keys_b64(keys: str) -> str:
    """exec inspect's DetachKeys: the parsed bytes, base64 as Go marshals a []byte ("" when none were given)."""
    import base64

    from .containers.detachkeys import parse

    if not keys:
        return ""
    try:
        return base64.b64encode(parse(keys)).decode()
    except ValueError:
        return ""


class ExecMixin:
    def exec_create(self, c: Container, body: dict[str, Any], ref: str = "") -> str:
        """ref: the container as the request named it (dockerd's paused message quotes it as given)."""
        if isinstance(body, dict):
            body = fold_keys(body)
        if not isinstance(body, dict) or not body.get("Cmd"):
            raise InvalidArgument("No exec command specified")
        if not _still_running(c):
            raise Conflict(f"Container {c.id} is not running")
        if c.state.status is Status.PAUSED:
            raise Conflict(f"Container {ref or c.id} is paused, unpause the container before exec")
        if c.state.status is Status.RESTARTING:
            raise Conflict(f"Container {c.id} is restarting, wait until the container is running")
        from ..errors import RuntimeFailure
        from .containers.detachkeys import parse as parse_detach_keys

        try:
            parse_detach_keys(body.get("DetachKeys") or "")  # a bad sequence is refused at create, as dockerd
        except ValueError:
            raise RuntimeFailure(f"Invalid escape keys ({body['DetachKeys']}) provided") from None
        eid = secrets.token_hex(32)
        self.execs[eid] = Exec(eid, c, dict(body))
        c.exec_ids.append(eid)
        self.emit(c, "exec_create: " + " ".join(body["Cmd"]), execID=eid)
        return eid

    def exec_get(self, eid: str) -> Exec:
        ex = self.execs.get(eid)
        if ex is None:
            raise NotFound(f"No such exec instance: {eid}")
        return ex

    def _exec_process(self, ex: Exec) -> dict[str, Any]:
        c, cfg = ex.container, ex.config
        image_cfg = {}
        try:
            image_cfg = self.images.get(c.image_id).config.get("config") or {}
        except NotFound:
            pass
        env = exec_env(c.config, cfg)
        user = cfg.get("User") or c.config.get("User") or ""
        rootfs = self.images.snapshots.mounts(c.rootfs_key)
        caps = specs.capabilities(c.host_config.get("CapAdd"), c.host_config.get("CapDrop"),
                                  bool(cfg.get("Privileged") or c.host_config.get("Privileged")))
        del image_cfg
        return {
            "terminal": bool(cfg.get("Tty")),
            "user": specs.resolve_user(user, rootfs),
            "args": list(cfg["Cmd"]),
            "env": env,
            "cwd": cfg.get("WorkingDir") or c.config.get("WorkingDir") or "/",
            "capabilities": {"bounding": caps, "effective": list(caps), "permitted": list(caps)},
            # moby starts an exec from the container's own spec.Process: its no_new_privs, privileged or not
            "noNewPrivileges": specs.no_new_privileges(c.host_config.get("SecurityOpt")),
        }

    def exec_prepare(self, ex: Exec, detach: bool):
        """Check, build the process and its FIFOs; returns the output queue (None when detached).

        The process gets a terminal when exec *create* asked for one; the stream's framing is exec
        *start*'s own Tty (the API handler's business), as in dockerd."""
        c = ex.container
        if c.state.status is Status.PAUSED:
            raise Conflict(f"Container {c.id} is paused, unpause the container before exec")
        if c.state.status is Status.RESTARTING:
            raise Conflict(f"Container {c.id} is restarting, wait until the container is running")
        if ex.running or ex.exit_code is not None or ex.io is not None:
            raise Conflict(f"Error: Exec command {ex.id} has already run")
        if not c.state.running:
            raise Conflict(f"Container {c.id} is not running")
        try:
            ex.process = self._exec_process(ex)
        except (InvalidArgument, NotFound) as err:
            # e.g. `exec -u nouser`: dockerd reports it like a process that could not start (126, the
            # message on the stream) once the connection is upgraded, never as an HTTP error before it.
            ex.process, ex.refused = None, str(err)
        ex.io = TaskIO(c.id, ex.id, stdin=bool(ex.config.get("AttachStdin")) and not detach,
                       tty=bool(ex.config.get("Tty"))).open()
        return None if detach else ex.io.subscribe()

    def exec_launch(self, ex: Exec) -> None:
        """Exec + Start in containerd. Docker starts the process only after the connection is upgraded,
        so a client never finds output glued to the 101 response; a failure here ends the exec with
        126 and the runtime's message, as `docker exec` reports it."""
        c, io = ex.container, ex.io
        if ex.refused:
            self._exec_failed(ex, ex.refused)
            return
        try:
            self.tasks.exec(c.id, ex.id, json.dumps(ex.process).encode(), io.io_spec())
            ex.pid = self.tasks.start(c.id, ex.id)
            io.started()
        except BaseException as err:
            self.tasks.forget_exec(c.id, ex.id)
            self._exec_failed(ex, f"OCI runtime exec failed: {err}: unknown")
            return
        ex.running = True
        self.emit(c, "exec_start: " + " ".join(ex.config["Cmd"]), execID=ex.id)
        threading.Thread(target=self._exec_watcher, args=(ex,), name=f"exec-{ex.id[:12]}", daemon=True).start()

    def _exec_ended(self, ex: Exec) -> None:
        # dockerd drops an ended exec from its container's ExecIDs; GET /exec/{id}/json still answers.
        try:
            ex.container.exec_ids.remove(ex.id)
        except ValueError:
            pass

    def _exec_failed(self, ex: Exec, message: str) -> None:
        ex.exit_code = 126  # dockerd 20.10's code for an exec that could not start
        ex.error = message
        self._exec_ended(ex)
        if ex.io is not None:
            abort(ex.io)
        ex.done.set()

    def exec_detached(self, ex: Exec) -> None:
        """The detach keys ended an exec's stream. dockerd 20.10 takes that for a failed attach (its
        EscapeError arrives wrapped): the exec is dropped with 126 and its stdin closed; the process's
        later exit is no longer recorded (cf. daemon/exec.go ContainerExecStart's deferred clean-up)."""
        ex.detached = True
        ex.running = False
        ex.exit_code = 126
        self._exec_ended(ex)
        if ex.io is not None:
            ex.io.close_stdin()

    def _exec_watcher(self, ex: Exec) -> None:
        """One thread per running exec; whatever fails (EIO on a FIFO, containerd gone), `done` is set,
        so an attached `exec` and `exec inspect` never wait forever."""
        try:
            status = self.tasks.wait_retrying(ex.container.id, ex.id)
            if not ex.detached:  # a detached exec keeps the 126 dockerd gave it
                ex.exit_code = int(status.get("exit_status", 0))
        except Exception as err:  # noqa: BLE001 - reported, the exec is then seen as ended
            log.exception("waiting for exec %s failed", ex.id[:12])
            ex.exit_code, ex.error = 126, f"waiting for the exec failed: {err}"
        ex.running = False
        try:
            self._exec_ended(ex)
            self.tasks.forget_exec(ex.container.id, ex.id)
            if ex.io is not None:
                ex.io.finish()
                ex.io.remove_files()
        except Exception:  # noqa: BLE001 - reported; the exit itself is known
            log.exception("clean-up after exec %s failed", ex.id[:12])
        finally:
            ex.done.set()
        self.emit(ex.container, "exec_die", execID=ex.id, exitCode=str(ex.exit_code))

    def exec_resize(self, ex: Exec, height: int, width: int) -> None:
        if not ex.running:
            raise Conflict(f"Exec {ex.id} is not running")
        self.tasks.resize(ex.container.id, ex.id, width, height)
