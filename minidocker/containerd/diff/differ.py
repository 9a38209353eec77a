"""The diff service interface: layer tars in, snapshots out, and back (cf. containerd core/diff/diff.go).

Lifecycle of a layer:
  - APPLY (pull, load, image unpack): the image service prepares an active snapshot on the parent
    chain, calls `applier.apply(layer_descriptor, mounts)` to unpack the layer blob (read from the
    content store, gzip or plain, sniffed by its magic bytes) into that snapshot, then commits the
    snapshot under the layer's chain ID. OCI whiteouts become overlay whiteouts: `.wh.NAME` a 0/0
    character device, `.wh..wh..opq` the xattr trusted.overlay.opaque=y on its directory. The
    result is the Descriptor of the UNCOMPRESSED tar: its digest is the layer's diff_id, which the
    caller checks against the image config's rootfs.diff_ids.
  - DIFF (build, commit): after a RUN step, `comparer.compare(lower_mounts, upper_mounts)` writes the
    changes of the upper snapshot as a layer tar (OCI whiteouts for deletions and opaque dirs,
    sorted, normalised) into the content store and returns the blob's Descriptor and its diff_id.
    The blob also gets the content label "containerd.io/uncompressed" = diff_id, as containerd does.
Everything untrusted in a tar is refused or neutralised by minidocker.containerd.archive (see there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ...oci.image import Descriptor
from ...oci.mount import Mount

LABEL_UNCOMPRESSED = "containerd.io/uncompressed"


@dataclass
class LayerDiff:
    """A layer just written by compare(): the (compressed) blob's descriptor and the uncompressed digest."""

    descriptor: Descriptor
    diff_id: str


@runtime_checkable
class Applier(Protocol):
    def apply(self, desc: Descriptor, mounts: list[Mount]) -> Descriptor:
        """Unpack the layer blob `desc` (from the content store) onto the snapshot given by `mounts`.

        Returns Descriptor(media_type=OCI_LAYER, digest=diff_id, size=uncompressed size).
        Raises errors.NotFound (no such blob), errors.DigestMismatch (blob corrupt),
        errors.InvalidArgument (malformed or unsafe tar: nothing outside the snapshot is touched).
        """


@runtime_checkable
class Comparer(Protocol):
    def compare(self, lower: list[Mount], upper: list[Mount], media_type: str = "",
                ref: str = "", labels: dict[str, str] | None = None) -> LayerDiff:
        """Write upper's changes relative to lower as a layer blob; media_type defaults to OCI tar+gzip."""
