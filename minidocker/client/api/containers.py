"""Container endpoints (cf. docker-py docker/api/container.py; moby api/server/router/container)."""

from __future__ import annotations

from .. import config as cfg
from ..hijack import Hijacked
from ..streams import iter_output
from .base import filters_param

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any, Iterator, Mapping


class ContainerMixin:
    # -- listing and inspecting ------------------------------------------------------------
    def containers(self, all: bool = False, quiet: bool = False, limit: int = -1, latest: bool = False,
                   filters: Mapping[str, Any] | None = None, size: bool = False) -> list[dict[str, Any]]:
        """GET /containers/json (the CLI's ps; -a adds all=1)."""
        query = {"all": "1" if all else None, "limit": (1 if latest else limit) if (latest or limit > 0) else None,
                 "size": "1" if size else None, "filters": filters_param(filters)}
        result = self._json("GET", "/containers/json", query)
        return [{"Id": c["Id"]} for c in result] if quiet else result

    def inspect_container(self, container: str) -> dict[str, Any]:
        return self._json("GET", f"/containers/{container}/json")

    def top(self, container: str, ps_args: str | None = None) -> dict[str, Any]:
        return self._json("GET", f"/containers/{container}/top", {"ps_args": ps_args})

    # -- create ------------------------------------------------------------------------------
    def create_container_from_config(self, body: dict[str, Any], name: str | None = None) -> dict[str, Any]:
        """POST /containers/create with a full body (see minidocker.client.config.create_body)."""
        return self._json("POST", "/containers/create", {"name": name}, body)

    def create_container(self, image: str, command: str | list[str] | None = None, hostname: str | None = None,
                         user: str | None = None, detach: bool = False, stdin_open: bool = False,
                         tty: bool = False, environment: Mapping[str, str] | list[str] | None = None,
                         name: str | None = None, entrypoint: str | list[str] | None = None,
                         working_dir: str | None = None, labels: Mapping[str, str] | None = None,
                         ports: list[Any] | None = None, volumes: list[str] | None = None,
                         host_config: dict[str, Any] | None = None) -> dict[str, Any]:
        """docker-py's create_container: returns {"Id": ..., "Warnings": [...]}."""
        import shlex
        from collections.abc import Mapping

        if isinstance(command, str):
            command = shlex.split(command)
        if isinstance(entrypoint, str):
            entrypoint = shlex.split(entrypoint)
        if isinstance(environment, Mapping):
            environment = [f"{k}={v}" for k, v in environment.items()]
        exposed = {}
        for port in ports or []:
            key = f"{port[0]}/{port[1]}" if isinstance(port, tuple) else str(port)
            exposed[key if "/" in key else key + "/tcp"] = {}
        fields: dict[str, Any] = {
            "Hostname": hostname or "", "User": user or "", "Tty": tty, "OpenStdin": stdin_open,
            "StdinOnce": False, "AttachStdin": False, "AttachStdout": not detach, "AttachStderr": not detach,
            "Env": list(environment) if environment else None, "Entrypoint": entrypoint,
            "WorkingDir": working_dir or "", "Labels": dict(labels or {}),
            "Volumes": {v: {} for v in volumes or []},
        }
        if exposed:
            fields["ExposedPorts"] = exposed
        body = cfg.create_body(image, command, host_config or cfg.host_config(), **fields)
        return self.create_container_from_config(body, name)

    def create_host_config(self, binds: list[str] | Mapping[str, Any] | None = None,
                           port_bindings: Mapping[Any, Any] | None = None, mem_limit: int | str | None = None,
                           auto_remove: bool = False, network_mode: str | None = None, cap_add: list[str] | None = None,
                           cap_drop: list[str] | None = None, read_only: bool = False, pids_limit: int | None = None,
                           nano_cpus: int | None = None, runtime: str | None = None, privileged: bool = False,
                           **extra: Any) -> dict[str, Any]:
        """docker-py's create_host_config for the common fields; `extra` are raw HostConfig keys."""
        from collections.abc import Mapping

        if isinstance(binds, Mapping):  # docker-py's {"/host": {"bind": "/c", "mode": "rw"}}
            binds = [f"{h}:{v['bind']}:{v.get('mode', 'rw')}" for h, v in binds.items()]
        ports: dict[str, list[dict[str, str]]] = {}
        for cport, host in (port_bindings or {}).items():
            key = str(cport) if "/" in str(cport) else f"{cport}/tcp"
            for h in host if isinstance(host, list) else [host]:
                ip, hp = (h if isinstance(h, tuple) else ("", h)) if h is not None else ("", "")
                ports.setdefault(key, []).append({"HostIp": ip, "HostPort": str(hp) if hp is not None else ""})
        memory = cfg.ram_in_bytes(mem_limit) if isinstance(mem_limit, str) else (mem_limit or 0)
        fields = {"Binds": list(binds) if binds else None, "PortBindings": ports, "Memory": memory,
                  "AutoRemove": auto_remove, "NetworkMode": network_mode or "default",
                  "CapAdd": [cfg.normalize_cap(c) for c in cap_add] if cap_add else None,
                  "CapDrop": [cfg.normalize_cap(c) for c in cap_drop] if cap_drop else None,
                  "ReadonlyRootfs": read_only, "PidsLimit": pids_limit or 0, "NanoCpus": nano_cpus or 0,
                  "Privileged": privileged}
        if runtime:
            fields["Runtime"] = runtime
        fields.update(extra)
        return cfg.host_config(**fields)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, container: str) -> None:
        self._call("POST", f"/containers/{container}/start")

    def stop(self, container: str, timeout: int | None = None) -> None:
        self._call("POST", f"/containers/{container}/stop", {"t": timeout}, ok=(304,))

    def kill(self, container: str, signal: str | int | None = None) -> None:
        self._call("POST", f"/containers/{container}/kill", {"signal": signal})

    def pause(self, container: str) -> None:
        self._call("POST", f"/containers/{container}/pause")

    def unpause(self, container: str) -> None:
        self._call("POST", f"/containers/{container}/unpause")

    def update_container(self, container: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST /containers/{id}/update with an UpdateConfig (resources, RestartPolicy) -> {"Warnings": ...}."""
        return self._json("POST", f"/containers/{container}/update", body=body)

    def restart(self, container: str, timeout: int | None = None) -> None:
        self._call("POST", f"/containers/{container}/restart", {"t": timeout})

    def remove_container(self, container: str, v: bool = False, link: bool = False, force: bool = False) -> None:
        self._call("DELETE", f"/containers/{container}",
                   {"v": "1" if v else None, "link": "1" if link else None, "force": "1" if force else None})

    def wait(self, container: str, timeout: float | None = None, condition: str | None = None) -> dict[str, Any]:
        """POST /containers/{id}/wait on its own connection: {"StatusCode": n, "Error": ...}."""
        return self.transport.send("POST", f"/containers/{container}/wait", {"condition": condition},
                                   timeout=timeout).json()

    def resize(self, container: str, height: int, width: int) -> None:
        self._call("POST", f"/containers/{container}/resize", {"h": height, "w": width})

    def rename(self, container: str, name: str) -> None:
        self._call("POST", f"/containers/{container}/rename", {"name": name})

    def prune_containers(self, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._json("POST", "/containers/prune", {"filters": filters_param(filters)})

    # -- stdio -------------------------------------------------------------------------------
    def attach_socket(self, container: str, stdin: bool = False, stdout: bool = True, stderr: bool = True,
                      logs: bool = False, stream: bool = True, detach_keys: str = "") -> Hijacked:
        """The hijacked attach stream (query keys as the CLI orders them: detachKeys, stderr, stdin, stdout, stream)."""
        query = {"detachKeys": detach_keys or None, "stderr": "1" if stderr else None, "stdin": "1" if stdin else None,
                 "stdout": "1" if stdout else None, "stream": "1" if stream else None, "logs": "1" if logs else None}
        return self.transport.hijack("POST", f"/containers/{container}/attach", query,
                                     headers={"Content-Type": "text/plain"})

    def attach(self, container: str, stdout: bool = True, stderr: bool = True, stream: bool = False,
               logs: bool = False) -> bytes | Iterator[bytes]:
        """Output of a container, demultiplexed: all at once, or a generator when `stream`."""
        tty = self.inspect_container(container)["Config"].get("Tty", False)
        sock = self.attach_socket(container, stdout=stdout, stderr=stderr, logs=logs)
        chunks = _payloads(sock, tty)
        return chunks if stream else b"".join(chunks)

    def logs(self, container: str, stdout: bool = True, stderr: bool = True, stream: bool = False,
             timestamps: bool = False, tail: str | int = "all", since: int | None = None,
             follow: bool | None = None, until: int | None = None) -> bytes | Iterator[bytes]:
        """GET /containers/{id}/logs, demultiplexed (Config.Tty decides the format, as the CLI checks)."""
        tty = self.inspect_container(container)["Config"].get("Tty", False)
        follow = stream if follow is None else follow
        query = {"follow": "1" if follow else None, "since": since, "stderr": "1" if stderr else None,
                 "stdout": "1" if stdout else None, "tail": str(tail), "timestamps": "1" if timestamps else None,
                 "until": until}
        resp = self.transport.open("GET", f"/containers/{container}/logs", query)
        chunks = _payloads(resp, tty)
        return chunks if stream else b"".join(chunks)

    def logs_response(self, container: str, query: Mapping[str, Any]):
        """The raw logs response for the CLI, which demultiplexes it itself."""
        return self.transport.open("GET", f"/containers/{container}/logs", query)

    # -- files -------------------------------------------------------------------------------
    def stat_archive(self, container: str, path: str) -> dict[str, Any] | None:
        """HEAD /containers/{id}/archive: the decoded X-Docker-Container-Path-Stat, None when absent."""
        reply = self._call("HEAD", f"/containers/{container}/archive", {"path": path}, ok=(404,))
        return None if reply.status == 404 else _path_stat(reply.headers)

    def get_archive(self, container: str, path: str, chunk_size: int = 65536) -> tuple[Iterator[bytes], dict]:
        """GET /containers/{id}/archive: (tar chunks, stat)."""
        resp = self.transport.open("GET", f"/containers/{container}/archive", {"path": path})
        stat = _path_stat({k.lower(): v for k, v in resp.getheaders()})

        def chunks() -> Iterator[bytes]:
            try:
                while True:
                    data = resp.read(chunk_size)
                    if not data:
                        return
                    yield data
            finally:
                resp.close()

        return chunks(), stat

    def put_archive(self, container: str, path: str, data: bytes | Any, no_overwrite_dir_non_dir: bool = True) -> bool:
        """PUT /containers/{id}/archive with a tar body."""
        query = {"noOverwriteDirNonDir": "true" if no_overwrite_dir_non_dir else None, "path": path}
        self._call("PUT", f"/containers/{container}/archive", query, data, {"Content-Type": "application/x-tar"})
        return True

    def export(self, container: str):
        """GET /containers/{id}/export: the container's filesystem as a tar stream (an HTTPResponse)."""
        return self.transport.open("GET", f"/containers/{container}/export")


def _payloads(stream: Any, tty: bool) -> Iterator[bytes]:
    try:
        for _, data in iter_output(stream, tty):
            yield data
    finally:
        stream.close()


def _path_stat(headers: Mapping[str, str]) -> dict[str, Any]:
    import base64
    import json

    raw = headers.get("x-docker-container-path-stat")
    return json.loads(base64.b64decode(raw)) if raw else {}
