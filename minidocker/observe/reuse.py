"""Layer reuse measured on disk: each image's layers mapped to the snapshot directories that hold them (cf. moby layer/layer_store.go, containerd core/snapshots).

An image's layers are its config's diff IDs; the snapshotter keeps each layer once, under its ChainID
(the digest of the layer *and everything below it*). Two images that start with the same layers share
those snapshot directories: `measure()` adds up what the images would cost if each kept its own copy
and what the disk really holds, every directory counted once.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import graphviz

from minidocker.containerd.snapshots.overlay import disk_usage
from minidocker.dockerd.images.service import chain_ids
from minidocker.observe.layers import human


@dataclass
class LayerOnDisk:
    """One layer of an image: its content digest, its ChainID and the snapshot directory holding it."""

    diff_id: str
    chain_id: str
    path: Path | None  # snapshots/<id>/fs, None when the snapshotter has no such layer
    size: int  # bytes on disk (blocks x 512, hard links once), as `du` counts them


@dataclass
class Reuse:
    """What a set of images would take with a copy of every layer each, and what the disk holds."""

    images: dict[str, list[LayerOnDisk]]

    @property
    def copies(self) -> int:
        """Bytes if every image kept its own copy of each of its layers."""
        return sum(layer.size for layers in self.images.values() for layer in layers)

    @property
    def on_disk(self) -> int:
        """Bytes the snapshot directories really take: each directory once."""
        return sum(layer.size for layer in self.distinct().values())

    def distinct(self) -> dict[str, LayerOnDisk]:
        """Every layer held on disk, by ChainID."""
        return {layer.chain_id: layer for layers in self.images.values() for layer in layers}

    def shared(self) -> dict[str, list[str]]:
        """ChainID -> the images that use it, for layers used by more than one image."""
        users: dict[str, list[str]] = {}
        for ref, layers in self.images.items():
            for layer in layers:
                users.setdefault(layer.chain_id, []).append(ref)
        return {c: refs for c, refs in users.items() if len(refs) > 1}

    def rows(self) -> list[list[Any]]:
        """One row per image: its name, layer count, its size, how many of its layers are shared."""
        shared = self.shared()
        return [[ref, len(layers), human(sum(layer.size for layer in layers)),
                 sum(layer.chain_id in shared for layer in layers)] for ref, layers in self.images.items()]

    def summary(self) -> str:
        saved = self.copies - self.on_disk
        return (f"{len(self.images)} images, {sum(map(len, self.images.values()))} layers, "
                f"{len(self.distinct())} of them on disk; a copy each: {human(self.copies)}; "
                f"on disk: {human(self.on_disk)}; saved by sharing: {human(saved)}")


def state_dir(eng: Any) -> Path:
    """The engine's state directory (<root>/lib, or /var/lib/minidocker for the system engine)."""
    return Path(eng.root) / "lib" if getattr(eng, "root", None) else Path("/var/lib/minidocker")


def snapshots_root(eng: Any) -> Path:
    """Where minicontainerd's overlay snapshotter keeps its metadata and directories."""
    return state_dir(eng) / "containerd" / "snapshots" / "overlayfs"


def _snapshot_records(eng: Any) -> dict[str, dict]:
    """name -> record of the snapshotter's metadata (read only; the snapshotter rewrites it atomically)."""
    try:
        return json.loads((snapshots_root(eng) / "metadata.json").read_text())["snapshots"]
    except (OSError, ValueError, KeyError):
        return {}


def diff_ids(eng: Any, ref: str) -> list[str]:
    """The image's layers (RootFS.Layers), bottom first, as the engine reports them."""
    return json.loads(eng("image", "inspect", "--format", "{{json .RootFS.Layers}}", ref))


def layers_on_disk(eng: Any, ref: str) -> list[LayerOnDisk]:
    """Each layer of the image with the snapshot directory that holds it, bottom first."""
    records = _snapshot_records(eng)
    ids = diff_ids(eng, ref)
    out = []
    for diff_id, chain in zip(ids, chain_ids(ids)):
        rec = records.get(chain)
        path = snapshots_root(eng) / "snapshots" / rec["id"] / "fs" if rec else None
        size = disk_usage(path).size if path is not None and path.exists() else 0
        out.append(LayerOnDisk(diff_id, chain, path, size))
    return out


def measure(eng: Any, refs: Iterable[str]) -> Reuse:
    """The images' layers on disk: compare .copies (no sharing) with .on_disk (what the disk holds)."""
    return Reuse({ref: layers_on_disk(eng, ref) for ref in refs})


def same_file(paths: Iterable[str | os.PathLike]) -> bool:
    """True when every path is the same inode on the same device (one copy on disk)."""
    keys = {(st.st_dev, st.st_ino) for st in (os.stat(p) for p in paths)}
    return len(keys) == 1


def backing_file(mount: Any, path: str) -> Path | None:
    """The host file overlayfs shows at `path` in a container (an observe.layers.OverlayMount): its own
    upper directory's copy if it wrote one, else the topmost lower layer's; None if absent or deleted."""
    for d in ([mount.upper] if mount.upper else []) + list(mount.lower):
        candidate = Path(d) / path.lstrip("/")
        if os.path.lexists(candidate):
            st = os.lstat(candidate)
            return None if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0 else candidate  # a whiteout
    return None


def _node(chain_id: str) -> str:
    """A graphviz node name for a layer (a bare "sha256:..." would read as node:port)."""
    return "layer_" + chain_id.split(":")[-1][:16]


def graph(reuse: Reuse) -> graphviz.Digraph:
    """Images -> their layers, each snapshot directory drawn once: a shared layer has several arrows in."""
    g = graphviz.Digraph(name="reuse", graph_attr={"rankdir": "LR"},
                         node_attr={"shape": "box", "style": "filled", "fontname": "Helvetica", "fontsize": "10"})
    shared = reuse.shared()
    for chain, layer in reuse.distinct().items():
        where = f"snapshots/{layer.path.parent.name}/fs" if layer.path else "not unpacked yet\n(a blob in the content store)"
        g.node(_node(chain), f"layer {layer.diff_id[7:19]}\n{where}\n{human(layer.size)}",
               fillcolor="#fde68a" if chain in shared else "#dbeafe", role="layer")
    for i, (ref, layers) in enumerate(reuse.images.items()):
        g.node(f"image{i}", f"image {ref}", shape="folder", fillcolor="#e9d5ff", role="image")
        for n, layer in enumerate(layers):
            g.edge(f"image{i}", _node(layer.chain_id), label=str(n + 1), fontsize="9")
    return g


def label(eng: Any, image_id: str) -> str:
    """An image's names (`<none>:<none>` for none) and its short ID, as `images -a` would show it."""
    tags = json.loads(eng("image", "inspect", "--format", "{{json .RepoTags}}", image_id)) or ["<none>:<none>"]
    return ", ".join(tags) + f"\n{image_id.split(':')[-1][:12]}"


def store(eng: Any) -> Reuse:
    """Every image the engine holds (`images -qa`), each under its names, with its layers on disk."""
    ids = list(dict.fromkeys(eng("images", "-qa").split()))
    return Reuse({label(eng, i): layers_on_disk(eng, i) for i in ids})


def image_config(eng: Any, ref: str) -> dict:
    """The image's configuration as dockerd stores it (imagedb/content/sha256/<ID>, Docker's layout)."""
    image_id = eng("image", "inspect", "--format", "{{.Id}}", ref).strip()
    return json.loads((state_dir(eng) / "image" / "imagedb" / "content" / "sha256" / image_id.split(":")[-1]).read_text())


def layer_steps(eng: Any, ref: str) -> list[str]:
    """For each layer, bottom first, the step that made it (history entries without empty_layer)."""
    history = image_config(eng, ref).get("history") or []
    return [h.get("created_by", "") for h in history if not h.get("empty_layer")]
