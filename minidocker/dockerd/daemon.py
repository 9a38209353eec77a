"""The Daemon handed to every API handler as req.backend: containers, exec, volumes, and the services behind them (cf. moby daemon/daemon.go).

It owns the container store and wires the other services lazily, so an idle dockerd stays small:
  containerd  a ContainerdClient over paths.containerd_socket() (gRPC), wrapped by containers.tasks.Tasks
  images      the image service (dockerd/images), over containerd's content store and snapshotter
  networks    the NetworkManager (dockerd/networks)
  volumes     the local volume driver (dockerd/volumes.py)
Lifecycle verbs live in dockerd/lifecycle.py (start, exits, stop, kill, remove), container creation in
dockerd/create.py, exec in dockerd/execs.py, pause/unpause in dockerd/pause.py, update in dockerd/update.py; this class ties them to one object and one lock order:
a container's own lock, then (briefly) the store's.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from .. import paths
from .containers.store import ContainerStore
from .create import CreateMixin
from .execs import ExecMixin
from .health import HealthMixin
from .lifecycle import LifecycleMixin
from .pause import PauseMixin
from .update import UpdateMixin

log = logging.getLogger("minidockerd")

VERSION = "20.10.24+minidocker.0.1.0"


class Daemon(CreateMixin, LifecycleMixin, PauseMixin, UpdateMixin, ExecMixin, HealthMixin):
    def __init__(self, runtime: str = "minirunc", debug: bool = False, containerd: Any = None,
                 images: Any = None, networks: Any = None) -> None:
        self.runtime = runtime
        self.debug = debug
        self.version = VERSION
        self.containers = ContainerStore()
        self.execs: dict[str, Any] = {}
        self._containerd = containerd
        self._images = images
        self._networks = networks
        self._volumes = None
        self._tasks = None
        self._wiring = threading.Lock()
        self.started_at = 0.0
        self.seed_base_image = True
        from .events import EventBus

        self.events = EventBus()

    # ---- services, made on first use ----
    @property
    def containerd(self) -> Any:
        with self._wiring:
            if self._containerd is None:
                from ..containerd.client import ContainerdClient

                self._containerd = ContainerdClient(str(paths.containerd_socket()))
            return self._containerd

    @property
    def tasks(self) -> Any:
        if self._tasks is None:
            from .containers.tasks import Tasks

            client = self.containerd
            with self._wiring:  # one Tasks: it remembers which ids containerd has nothing for
                if self._tasks is None:
                    self._tasks = Tasks(client)
        return self._tasks

    @property
    def images(self) -> Any:
        if self._images is None:
            client = self.containerd
            with self._wiring:
                if self._images is None:
                    from .images.service import ImageService

                    self._images = ImageService(paths.state_dir() / "image", client.content, client.snapshots,
                                                client.diff, using_image=self.containers_using_image)
        return self._images

    @property
    def networks(self) -> Any:
        with self._wiring:
            if self._networks is None:
                from .networks import NetworkManager

                self._networks = NetworkManager(paths.state_dir() / "network")
                self._networks.restore()
            return self._networks

    @property
    def volumes(self) -> Any:
        if self._volumes is None:
            from .volumes import VolumeService

            self._volumes = VolumeService(self.volume_users)
        return self._volumes

    def emit(self, c: Any, action: str, **extra: str) -> None:
        """A container event with Docker's attributes (image, name, labels)."""
        attrs = {"image": c.config.get("Image") or "", "name": c.name.lstrip("/"), **(c.config.get("Labels") or {}),
                 **extra}
        self.events.emit("container", action, c.id, attrs, image=c.config.get("Image") or "")

    # ---- queries other services ask ----
    def containers_using_image(self, image_id: str) -> list[tuple[str, bool]]:
        return [(c.id, c.state.running) for c in self.containers if c.image_id == image_id]

    def volume_users(self, name: str) -> list[str]:
        return [c.id for c in self.containers
                if any(m.get("Type") == "volume" and m.get("Name") == name for m in c.mount_points)]

    # ---- start-up and shut-down ----
    def boot(self) -> None:
        """Reload every container record and re-adopt running tasks (live restore)."""
        import time

        self.started_at = time.time()
        for sub in ("containers", "volumes"):
            (paths.state_dir() / sub).mkdir(parents=True, exist_ok=True)
        loaded = self.containers.load_all()
        if loaded:
            self.restore(loaded)
            threading.Thread(target=self.restart_at_boot, args=(loaded,), name="restart-at-boot", daemon=True).start()
        if self.seed_base_image:
            from .baseimage_seed import ensure_busybox

            try:
                ensure_busybox(self.images, self.containerd.content)
            except Exception:  # noqa: BLE001 - the daemon still serves; `run busybox` will say why
                log.exception("could not seed busybox:latest")

    def shutdown(self) -> None:
        """Stop serving; containers keep running (their shims hold them), as with live-restore."""
        self.shutting_down = True  # an exit from now on is not restarted (moby IsShuttingDown)
        log.info("minidockerd shutting down; %d containers left as they are", len(self.containers))
        close = getattr(self._containerd, "close", None)
        if close:
            try:
                close()
            except Exception:  # noqa: BLE001 - shutting down anyway
                pass

    def image_name(self, c: Any) -> str:
        """The Image column of `docker ps`: what the user asked for, or the short id once that tag moved."""
        ref = c.config.get("Image") or ""
        try:
            image = self.images.get(ref)
            if image.id == c.image_id:
                return ref
        except Exception:  # noqa: BLE001 - a removed or retagged image shows its id
            pass
        return c.image_id

    def container_sizes(self, c: Any) -> tuple[int, int]:
        """SizeRw (the container's writable layer) and SizeRootFs (plus the image)."""
        from .changes import upper_size

        try:
            # Docker sums the sizes of the files in the writable layer, not the blocks its directories use.
            rw = upper_size(self.images.snapshots.mounts(c.rootfs_key))
        except Exception:  # noqa: BLE001 - sizes are informative only (a removed snapshot has none)
            rw = 0
        try:
            image_size = self.images.size(self.images.get(c.image_id))
        except Exception:  # noqa: BLE001
            image_size = 0
        return rw, rw + image_size

    def graph_driver(self, c: Any) -> dict[str, Any]:
        """Inspect's GraphDriver: the overlay directories of the container's snapshot."""
        data: dict[str, str] = {}
        try:
            for m in self.images.snapshots.mounts(c.rootfs_key):
                for opt in getattr(m, "options", None) or m.get("options", []):
                    key, _, value = opt.partition("=")
                    if key in ("lowerdir", "upperdir", "workdir"):
                        data[{"lowerdir": "LowerDir", "upperdir": "UpperDir", "workdir": "WorkDir"}[key]] = value
        except Exception:  # noqa: BLE001 - a removed snapshot shows no data
            pass
        if c.state.running and c.state.pid:
            data["MergedDir"] = f"/proc/{c.state.pid}/root"
        return {"Data": data or None, "Name": "overlay2"}

    def rename_container(self, c: Any, new_name: str) -> None:
        from .containers import names
        from ..errors import InvalidArgument

        if not new_name:
            raise InvalidArgument("Neither old nor new names may be empty")
        new = names.validate(new_name)
        with c.lock:
            self.containers.rename(c, new)
            c.save()

    def prune_containers(self, filters: dict[str, list[str]]) -> dict[str, Any]:
        from ..errors import InvalidArgument
        from .containers.state import parse_rfc3339

        for key in filters:
            if key not in ("until", "label", "label!"):
                raise InvalidArgument(f"Invalid filter '{key}'")
        deleted, reclaimed = [], 0
        until = None
        if filters.get("until"):
            import time as _t

            raw = filters["until"][0]
            until = float(raw) if raw.replace(".", "", 1).isdigit() else _t.time()
        for c in self.containers.all():
            if c.state.running:
                continue
            if until is not None and parse_rfc3339(c.created) > until:
                continue
            labels = c.config.get("Labels") or {}
            if not all(_label(labels, f) for f in filters.get("label", [])):
                continue
            if any(_label(labels, f) for f in filters.get("label!", [])):
                continue
            rw, _ = self.container_sizes(c)
            try:
                self.remove_container(c)
            except Exception:  # noqa: BLE001 - skip what cannot be removed now
                continue
            deleted.append(c.id)
            reclaimed += rw
        return {"ContainersDeleted": deleted or None, "SpaceReclaimed": reclaimed}


def _label(labels: dict[str, str], f: str) -> bool:
    key, eq, value = f.partition("=")
    return key in labels and (not eq or labels[key] == value)
