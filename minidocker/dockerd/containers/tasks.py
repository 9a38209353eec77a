"""dockerd's side of containerd's Containers and Tasks services: the calls the lifecycle makes, in one place (cf. moby libcontainerd/remote/client.go).

Wraps ContainerdClient so the lifecycle speaks in dicts and plain values, retries Wait across a
containerd restart (the shim keeps the status, containerd finds the shim again), and forgets a
container's task and metadata idempotently whatever state a crash left them in.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ...errors import Conflict, NotFound, RuntimeFailure

log = logging.getLogger("minidockerd.tasks")


def _io(spec: dict[str, Any]):
    from ...containerd.types import IO

    return IO(stdin=spec.get("stdin", ""), stdout=spec.get("stdout", ""), stderr=spec.get("stderr", ""),
              terminal=bool(spec.get("terminal")))


def _status(e: Any) -> dict[str, Any]:
    return {"exit_status": e.exit_status, "exited_at_ns": e.exited_at_ns, "oom_killed": e.oom_killed}


class Tasks:
    def __init__(self, client: Any) -> None:
        self.client = client
        # Ids containerd holds nothing for, as far as this process knows: created here and never given to
        # containerd, or forgotten since. forget() of one costs no round trip (a `run --rm` asked for three).
        self._absent: set[str] = set()

    def new_id(self, cid: str) -> None:
        """A container id this dockerd just made: containerd cannot know it yet."""
        self._absent.add(cid)

    def create_container(self, cid: str, spec: bytes, runtime: str, snapshot_key: str, image: str) -> None:
        self._absent.discard(cid)
        self.client.containers.create(cid, spec, snapshot_key=snapshot_key, runtime=runtime, image=image,
                                      labels={"minidocker.managed-by": "minidockerd"})

    def create_task(self, cid: str, rootfs: list[Any], io: dict[str, Any], log_path: str) -> int:
        return self.client.tasks.create(cid, rootfs, _io(io), log_path)

    def start(self, cid: str, exec_id: str = "") -> int:
        return self.client.tasks.start(cid, exec_id)

    def kill(self, cid: str, signal: int, exec_id: str = "", all: bool = False) -> None:
        self.client.tasks.kill(cid, signal, exec_id, all)

    def exec(self, cid: str, exec_id: str, process: bytes, io: dict[str, Any]) -> None:
        self.client.tasks.exec(cid, exec_id, process, _io(io))

    def get(self, cid: str, exec_id: str = "") -> dict[str, Any]:
        s = self.client.tasks.get(cid, exec_id)
        return {"status": s.status, "pid": s.pid, "exit_status": s.exit_status, "exited_at_ns": s.exited_at_ns,
                "oom_killed": s.oom_killed}

    def pause(self, cid: str) -> None:
        self.client.tasks.pause(cid)

    def resume(self, cid: str) -> None:
        self.client.tasks.resume(cid)

    def update(self, cid: str, resources: dict[str, Any]) -> None:
        self.client.tasks.update(cid, resources)

    def pids(self, cid: str) -> list[int]:
        return self.client.tasks.pids(cid)

    def resize(self, cid: str, exec_id: str, width: int, height: int) -> None:
        self.client.tasks.resize(cid, width, height, exec_id)

    def close_io(self, cid: str, exec_id: str = "") -> None:
        self.client.tasks.close_io(cid, exec_id)

    def wait_retrying(self, cid: str, exec_id: str = "") -> dict[str, Any]:
        """Block until the process exits; survive containerd going away and coming back."""
        delay = 0.1
        while True:
            try:
                return _status(self.client.tasks.wait(cid, exec_id))
            except NotFound:
                return {"exit_status": 255, "error": "task not found"}
            except RuntimeFailure as err:
                if "not reachable" not in str(err) and "unavailable" not in str(err).lower():
                    log.warning("wait for %s failed: %s", cid[:12], err)
                    try:
                        state = self.get(cid, exec_id)
                    except NotFound:
                        return {"exit_status": 255, "error": str(err)}
                    except RuntimeFailure:
                        state = None
                    if state and state["status"] == "stopped":
                        return state
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    def forget_exec(self, cid: str, exec_id: str) -> None:
        try:
            self.client.tasks.delete(cid, exec_id)
        except (NotFound, Conflict, RuntimeFailure):
            pass

    def forget(self, cid: str, removing: bool = False) -> None:
        """Delete the task (if any) and the containerd container (if any): idempotent clean-up.
        `removing`: the container itself goes, so its id need not be remembered."""
        if cid in self._absent:
            if removing:
                self._absent.discard(cid)
            return
        gone = True
        try:
            self.client.tasks.delete(cid)
        except NotFound:
            pass
        except (Conflict, RuntimeFailure) as err:
            log.warning("task delete of %s: %s", cid[:12], err)
            gone = False
        try:
            self.client.containers.delete(cid)
        except NotFound:
            pass
        if gone and not removing:
            self._absent.add(cid)
