"""What the builder needs from the rest of dockerd, as one small interface (cf. moby builder/builder.go Backend).

Lifecycle of one step: the builder asks for its parent image (`image`), either finds the step
in the cache (`cached_child`) or runs it: a metadata step only makes a new config; COPY/ADD
write a layer tar (`write_layer`); RUN runs a real container through containerd's task path
(`run`), which returns the exit code and the container's changes as a layer. Every step ends
in `commit`, a new (untagged) image whose parent is the previous one, so `images -a` shows the
intermediate images and the cache can find them again. `tag` names the final image.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, ContextManager, Protocol


@dataclass
class BuildImage:
    """An image as the builder sees it: its id and its full OCI image config document."""

    id: str  # "sha256:<config digest>"
    config: dict  # the image config JSON: architecture, os, config{...}, rootfs{diff_ids}, history[]


@dataclass
class Layer:
    """A layer blob written to the content store: its digest, its uncompressed digest (diff id) and size."""

    digest: str
    diff_id: str
    size: int
    media_type: str = "application/vnd.oci.image.layer.v1.tar"


class BuilderBackend(Protocol):
    def image(self, ref: str, pull: bool = False) -> BuildImage:
        """The image a FROM names (errors.NotFound when absent and it cannot be pulled)."""

    def commit(self, parent: BuildImage | None, config: dict, layer: Layer | None) -> BuildImage:
        """Store a new image: parent's layers (+ layer), this config (rootfs and history already filled in)."""

    def write_layer(self, write: Callable[[BinaryIO], None]) -> Layer:
        """Write a layer tar produced by `write(fileobj)` into the content store."""

    def run(self, image: BuildImage, argv: list[str], env: list[str], user: str, workdir: str,
            output: Callable[[int, bytes], None], on_start: Callable[[str], None],
            keep_on_failure: bool = False, host: dict | None = None) -> tuple[int, Layer | None]:
        """Run argv in a container of image; stream its output as (1 stdout | 2 stderr, bytes); return
        (exit code, its changes or None). `host` holds the build's HostConfig fields for the step's
        container (ExtraHosts, NetworkMode).

        The container is removed afterwards, unless it failed and keep_on_failure is set: the classic
        builder leaves a failed step's container for the user to inspect.
        """

    def rootfs(self, image: BuildImage) -> ContextManager[Path]:
        """The image's filesystem mounted read-only for the block's duration (COPY --from, --chown names,
        whether a destination is an existing directory)."""

    def cached_child(self, parent: BuildImage | None, key: str, sources: list[str] | None = None) -> BuildImage | None:
        """An image earlier built from this parent by a step with this cache key, if it still exists; with
        `sources` (--cache-from), only one that is one of those images or an ancestor of one."""

    def remember(self, parent: BuildImage | None, key: str, image: BuildImage) -> None:
        """Record the image a step made, for cached_child."""

    def tag(self, image: BuildImage, ref: str) -> str:
        """Name the image; returns the familiar name printed as `Successfully tagged <name>`."""
