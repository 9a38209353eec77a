"""Exec endpoints (cf. docker-py docker/api/exec_api.py)."""

from __future__ import annotations

from ..hijack import Hijacked
from ..streams import iter_output

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any, Iterator, Mapping


class ExecMixin:
    def exec_create(self, container: str, cmd: str | list[str], stdout: bool = True, stderr: bool = True,
                    stdin: bool = False, tty: bool = False, privileged: bool = False, user: str = "",
                    environment: Mapping[str, str] | list[str] | None = None, workdir: str | None = None,
                    detach_keys: str | None = None, detach: bool = False) -> dict[str, Any]:
        """POST /containers/{id}/exec with the body the CLI sends -> {"Id": ...}."""
        import shlex
        from collections.abc import Mapping

        if isinstance(cmd, str):
            cmd = shlex.split(cmd)
        if isinstance(environment, Mapping):
            environment = [f"{k}={v}" for k, v in environment.items()]
        body = {"User": user or "", "Privileged": privileged, "Tty": tty, "AttachStdin": stdin,
                "AttachStderr": stderr and not detach, "AttachStdout": stdout and not detach, "Detach": detach,
                "DetachKeys": detach_keys or "", "Env": list(environment) if environment else None,
                "WorkingDir": workdir or "", "Cmd": list(cmd)}
        return self._json("POST", f"/containers/{container}/exec", body=body)

    def exec_start_socket(self, exec_id: str, tty: bool = False) -> Hijacked:
        """POST /exec/{id}/start hijacked: the raw stream (multiplexed unless tty)."""
        return self.transport.hijack("POST", f"/exec/{exec_id}/start", body={"Detach": False, "Tty": tty})

    def exec_start(self, exec_id: str, detach: bool = False, tty: bool = False, stream: bool = False,
                   socket: bool = False) -> bytes | Iterator[bytes] | Hijacked | None:
        """Run it: detached (returns None), the socket, a generator of output, or all output at once."""
        if detach:
            self._call("POST", f"/exec/{exec_id}/start", body={"Detach": True, "Tty": tty})
            return None
        sock = self.exec_start_socket(exec_id, tty)
        if socket:
            return sock

        def chunks() -> Iterator[bytes]:
            try:
                for _, data in iter_output(sock, tty):
                    yield data
            finally:
                sock.close()

        return chunks() if stream else b"".join(chunks())

    def exec_inspect(self, exec_id: str) -> dict[str, Any]:
        return self._json("GET", f"/exec/{exec_id}/json")

    def exec_resize(self, exec_id: str, height: int, width: int) -> None:
        self._call("POST", f"/exec/{exec_id}/resize", {"h": height, "w": width})
