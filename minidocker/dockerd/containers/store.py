"""Every container dockerd knows, by id, name and unique id prefix (cf. moby container/memory_store.go, daemon/container.go GetContainer).

`get` accepts what docker accepts in every {id} path: the full id, the name with or without its '/',
or a prefix of the id that matches exactly one container.
"""

from __future__ import annotations

import logging
import threading
from typing import Iterator

from ...errors import Conflict, InvalidArgument, NotFound
from .record import Container, containers_dir

log = logging.getLogger("minidockerd.containers")


class ContainerStore:
    def __init__(self) -> None:
        self._by_id: dict[str, Container] = {}
        self._names: dict[str, str] = {}  # "/name" -> id
        self._lock = threading.Lock()

    def load_all(self) -> list[Container]:
        """Read every persisted record (live restore); a record that cannot be read is logged and skipped."""
        root = containers_dir()
        loaded = []
        if not root.is_dir():
            return loaded
        for cdir in sorted(root.iterdir()):
            if not (cdir / "config.v2.json").exists():
                continue
            try:
                c = Container.load(cdir)
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
                log.error("skipping unreadable container record %s: %s", cdir, err)
                continue
            self._by_id[c.id] = c
            self._names[c.name] = c.id
            loaded.append(c)
        return loaded

    def reserve(self, c: Container) -> None:
        """Add a new container; its name must be free (409 with docker's words otherwise)."""
        with self._lock:
            other = self._names.get(c.name)
            if other is not None:
                raise Conflict(f'Conflict. The container name "{c.name}" is already in use by container "{other}". '
                               "You have to remove (or rename) that container to be able to reuse that name.")
            self._by_id[c.id] = c
            self._names[c.name] = c.id

    def rename(self, c: Container, new: str) -> None:
        with self._lock:
            other = self._names.get(new)
            if other is not None and other != c.id:
                raise Conflict(f'Conflict. The container name "{new}" is already in use by container "{other}". '
                               "You have to remove (or rename) that container to be able to reuse that name.")
            self._names.pop(c.name, None)
            c.name = new
            self._names[new] = c.id

    def names(self) -> set[str]:
        with self._lock:
            return set(self._names)

    def delete(self, c: Container) -> None:
        with self._lock:
            self._by_id.pop(c.id, None)
            if self._names.get(c.name) == c.id:
                del self._names[c.name]

    def get(self, ref: str) -> Container:
        with self._lock:
            if ref in self._by_id:
                return self._by_id[ref]
            cid = self._names.get(ref if ref.startswith("/") else "/" + ref)
            if cid:
                return self._by_id[cid]
            if ref:
                found = [c for i, c in self._by_id.items() if i.startswith(ref)]
                if len(found) == 1:
                    return found[0]
                if len(found) > 1:
                    raise InvalidArgument(f"multiple IDs found with provided prefix: {ref}")
        raise NotFound(f"No such container: {ref}")

    def all(self) -> list[Container]:
        with self._lock:
            return list(self._by_id.values())

    def __iter__(self) -> Iterator[Container]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._by_id)
