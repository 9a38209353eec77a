"""Network state on disk: one JSON file per network and per endpoint, written atomically (cf. libnetwork's boltdb store).

Layout under the manager's state directory:
    networks/<network id>.json    name, driver, bridge, subnet, gateway, created
    endpoints/<container id>.json the container's address, veth, netns file, published ports
    attachments/<container id>+<network id 12>.json   a further network of a running container
                                  (`docker network connect`): its address, its veth, ethN in the netns
An endpoint file exists exactly while its container holds an address, so the address allocator
(ipam.py) is rebuilt from them after a dockerd restart: nothing else needs persisting.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator
from ...linux.atomicfile import write_atomic


def write_json(path: Path, data: Any, durable: bool = True) -> None:
    """Write to a temporary name in the same directory, rename: readers see old or new, never half.

    `durable` adds an fsync so the file also survives a power cut; endpoint records skip it: they
    describe namespaces under the run dir, which a reboot wipes anyway, and a rename alone
    survives any process crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, indent=1, sort_keys=True).encode(), mode=0o600, durable=durable)


def read_json(path: Path) -> Any:
    with open(path) as f:
        return json.load(f)


class Store:
    """The two record kinds, keyed by id."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.networks_dir = self.root / "networks"
        self.endpoints_dir = self.root / "endpoints"
        self.attachments_dir = self.root / "attachments"

    def _records(self, folder: Path) -> Iterator[dict]:
        if not folder.is_dir():
            return
        for path in sorted(folder.glob("*.json")):
            try:
                yield read_json(path)
            except (OSError, ValueError):
                continue  # a torn file cannot exist (atomic writes); anything else is not ours

    def networks(self) -> list[dict]:
        return list(self._records(self.networks_dir))

    def save_network(self, record: dict) -> None:
        write_json(self.networks_dir / f"{record['Id']}.json", record)

    def drop_network(self, network_id: str) -> None:
        (self.networks_dir / f"{network_id}.json").unlink(missing_ok=True)

    def endpoints(self) -> list[dict]:
        return list(self._records(self.endpoints_dir))

    def endpoint(self, container_id: str) -> dict | None:
        try:
            return read_json(self.endpoints_dir / f"{container_id}.json")
        except (OSError, ValueError):
            return None

    def save_endpoint(self, record: dict) -> None:
        write_json(self.endpoints_dir / f"{record['ContainerID']}.json", record, durable=False)

    def drop_endpoint(self, container_id: str) -> None:
        (self.endpoints_dir / f"{container_id}.json").unlink(missing_ok=True)

    # further networks of a running container (docker network connect)
    def attachments(self, container_id: str | None = None) -> list[dict]:
        found = list(self._records(self.attachments_dir))
        return [a for a in found if container_id is None or a["ContainerID"] == container_id]

    def save_attachment(self, record: dict) -> None:
        name = f"{record['ContainerID']}+{record['NetworkID'][:12]}.json"
        write_json(self.attachments_dir / name, record, durable=False)

    def drop_attachment(self, record: dict) -> None:
        (self.attachments_dir / f"{record['ContainerID']}+{record['NetworkID'][:12]}.json").unlink(missing_ok=True)

    def all_endpoints(self) -> list[dict]:
        """Every (container, network) endpoint: the containers' first networks and the attached ones."""
        return self.endpoints() + self.attachments()
