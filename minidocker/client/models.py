"""Thin docker-py-like objects for notebooks: client.containers.run(...), client.images.list() (cf. docker-py docker/models/).

    from minidocker.client import from_env
    client = from_env()
    print(client.containers.run("busybox", ["echo", "hi"], remove=True))   # b'hi\\n'
    c = client.containers.run("busybox", "sleep 60", detach=True, name="web")
    c.reload(); c.status; c.exec_run("echo x"); c.logs(); c.stop(timeout=1); c.remove()

Only a convenience over APIClient: every method is one or two Engine API calls, so notebooks can show
the request each step makes.
"""

from __future__ import annotations

from typing import Any, Iterator

from .api import APIClient
from .errors import APIError


class ContainerError(APIError):
    """A container run by containers.run() exited non-zero (docker-py raises the same)."""

    def __init__(self, container: "Container", exit_status: int, stderr: bytes) -> None:
        super().__init__(500, f"Command in container {container.short_id} returned non-zero exit status "
                              f"{exit_status}: {stderr.decode(errors='replace').strip()}")
        self.container, self.exit_status, self.stderr = container, exit_status, stderr

    def __str__(self) -> str:
        return self.message


class Model:
    def __init__(self, attrs: dict[str, Any], client: "Client") -> None:
        self.attrs, self.client = attrs, client

    @property
    def id(self) -> str:
        return self.attrs.get("Id") or self.attrs.get("ID") or ""

    @property
    def short_id(self) -> str:
        return self.id.split(":")[-1][:12]

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.short_id}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


class Container(Model):
    @property
    def name(self) -> str:
        return (self.attrs.get("Name") or "").lstrip("/")

    @property
    def status(self) -> str:
        state = self.attrs.get("State")
        return state.get("Status", "") if isinstance(state, dict) else str(state or "")

    @property
    def image(self) -> "Image":
        return self.client.images.get(self.attrs.get("Image", ""))

    def reload(self) -> None:
        self.attrs = self.client.api.inspect_container(self.id)

    def start(self) -> None:
        self.client.api.start(self.id)

    def stop(self, timeout: int | None = None) -> None:
        self.client.api.stop(self.id, timeout)

    def kill(self, signal: str | int | None = None) -> None:
        self.client.api.kill(self.id, signal)

    def restart(self, timeout: int | None = None) -> None:
        self.client.api.restart(self.id, timeout)

    def remove(self, v: bool = False, force: bool = False) -> None:
        self.client.api.remove_container(self.id, v=v, force=force)

    def wait(self, timeout: float | None = None, condition: str | None = None) -> dict[str, Any]:
        return self.client.api.wait(self.id, timeout, condition)

    def logs(self, stdout: bool = True, stderr: bool = True, stream: bool = False, timestamps: bool = False,
             tail: str | int = "all", follow: bool | None = None) -> bytes | Iterator[bytes]:
        return self.client.api.logs(self.id, stdout, stderr, stream, timestamps, tail, follow=follow)

    def top(self) -> dict[str, Any]:
        return self.client.api.top(self.id)

    def exec_run(self, cmd: str | list[str], stdout: bool = True, stderr: bool = True, user: str = "",
                 environment: Any = None, workdir: str | None = None) -> tuple[int, bytes]:
        """(exit code, output), as docker-py's ExecResult."""
        api = self.client.api
        exec_id = api.exec_create(self.id, cmd, stdout=stdout, stderr=stderr, user=user, environment=environment,
                                  workdir=workdir)["Id"]
        output = api.exec_start(exec_id)
        return int(api.exec_inspect(exec_id).get("ExitCode") or 0), output  # type: ignore[return-value]

    def put_archive(self, path: str, data: bytes) -> bool:
        return self.client.api.put_archive(self.id, path, data)

    def get_archive(self, path: str) -> tuple[Iterator[bytes], dict[str, Any]]:
        return self.client.api.get_archive(self.id, path)


class Image(Model):
    @property
    def tags(self) -> list[str]:
        return [t for t in self.attrs.get("RepoTags") or [] if t != "<none>:<none>"]

    def reload(self) -> None:
        self.attrs = self.client.api.inspect_image(self.id)

    def history(self) -> list[dict[str, Any]]:
        return self.client.api.history(self.id)

    def tag(self, repository: str, tag: str | None = None) -> bool:
        return self.client.api.tag(self.id, repository, tag)


class ContainerCollection:
    def __init__(self, client: "Client") -> None:
        self.client = client

    def get(self, container_id: str) -> Container:
        return Container(self.client.api.inspect_container(container_id), self.client)

    def list(self, all: bool = False, filters: dict[str, Any] | None = None) -> list[Container]:
        return [self.get(c["Id"]) for c in self.client.api.containers(all=all, filters=filters)]

    def create(self, image: str, command: str | list[str] | None = None, **kwargs: Any) -> Container:
        return self.get(self._create(image, command, kwargs))

    def _create(self, image: str, command: Any, kwargs: dict[str, Any]) -> str:
        api = self.client.api
        host_keys = {"binds", "port_bindings", "mem_limit", "auto_remove", "network_mode", "cap_add", "cap_drop",
                     "read_only", "pids_limit", "nano_cpus", "runtime", "privileged"}
        host = {k: kwargs.pop(k) for k in list(kwargs) if k in host_keys}
        if "volumes" in kwargs and isinstance(kwargs["volumes"], dict):
            host["binds"] = kwargs.pop("volumes")
        if "ports" in kwargs and isinstance(kwargs["ports"], dict):
            host["port_bindings"] = kwargs["ports"]
            kwargs["ports"] = list(kwargs["ports"])
        if kwargs.pop("remove", False):
            host["auto_remove"] = True
        return api.create_container(image, command, host_config=api.create_host_config(**host), **kwargs)["Id"]

    def run(self, image: str, command: str | list[str] | None = None, detach: bool = False, remove: bool = False,
            stdout: bool = True, stderr: bool = False, **kwargs: Any) -> Container | bytes:
        """docker-py's run: detached -> the Container; else its output (a non-zero exit raises ContainerError)."""
        api = self.client.api
        cid = self._create(image, command, dict(kwargs, detach=detach))
        api.start(cid)
        if detach:
            return self.get(cid)
        container = Container({"Id": cid}, self.client)
        status = api.wait(cid).get("StatusCode", 0)
        out = api.logs(cid, stdout=stdout, stderr=stderr)
        err = api.logs(cid, stdout=False, stderr=True) if status else b""
        if remove:
            api.remove_container(cid, force=True)
        if status:
            raise ContainerError(container, status, err)  # type: ignore[arg-type]
        return out  # type: ignore[return-value]

    def prune(self) -> dict[str, Any]:
        return self.client.api.prune_containers()


class ImageCollection:
    def __init__(self, client: "Client") -> None:
        self.client = client

    def get(self, name: str) -> Image:
        return Image(self.client.api.inspect_image(name), self.client)

    def list(self, name: str | None = None, all: bool = False, filters: dict[str, Any] | None = None) -> list[Image]:
        return [Image(i, self.client) for i in self.client.api.images(name, all=all, filters=filters)]

    def pull(self, repository: str, tag: str | None = None) -> Image:
        from .formatting.progress import tqdm_stream

        tqdm_stream(self.client.api.pull(repository, tag, stream=True))
        return self.get(f"{repository}:{tag}" if tag else repository)

    def build(self, path: str, tag: str | None = None, **kwargs: Any) -> tuple[Image, list[dict[str, Any]]]:
        """(image, log messages); a failing step raises StreamError carrying its exit code."""
        from .errors import StreamError

        log, image_id = [], None
        for msg in self.client.api.build(path, tag=tag, **kwargs):
            log.append(msg)
            if msg.get("errorDetail"):
                raise StreamError(msg["errorDetail"].get("message", ""), msg["errorDetail"].get("code") or 1)
            if isinstance(msg.get("aux"), dict) and msg["aux"].get("ID"):
                image_id = msg["aux"]["ID"]
        return self.get(image_id or tag or ""), log

    def remove(self, image: str, force: bool = False) -> list[dict[str, str]]:
        return self.client.api.remove_image(image, force)

    def prune(self, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.client.api.prune_images(filters)


class Client:
    """docker.DockerClient's shape: .containers, .images, .api, version(), info(), ping(), df()."""

    def __init__(self, base_url: str | None = None, version: str | None = None, timeout: float | None = None) -> None:
        self.api = APIClient(base_url, version, timeout)
        self.containers = ContainerCollection(self)
        self.images = ImageCollection(self)

    def version(self) -> dict[str, Any]:
        return self.api.version()

    def info(self) -> dict[str, Any]:
        return self.api.info()

    def ping(self) -> bool:
        return self.api.ping()

    def df(self) -> dict[str, Any]:
        return self.api.df()

    def close(self) -> None:
        self.api.close()


def from_env(timeout: float | None = None) -> Client:
    """A client for $MINIDOCKER_HOST, or the engine's socket under MINIDOCKER_ROOT (or /run/minidocker)."""
    return Client(timeout=timeout)
