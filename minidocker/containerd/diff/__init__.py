"""The diff service: apply layer blobs onto snapshots and diff snapshots into layer blobs (cf. containerd core/diff).

Public API:
  from minidocker.containerd.diff import DiffService, LayerDiff
  diff = DiffService(content_store)
  applied = diff.apply(layer_desc, mounts)            # -> Descriptor of the uncompressed tar (digest = diff_id)
  layer = diff.compare(lower_mounts, upper_mounts)    # -> LayerDiff(descriptor, diff_id), blob in the store
  diff.apply_stream(fileobj, mounts)                  # apply() for a tar not in the store (docker import)
  from minidocker.containerd.diff.service import write_layer
  write_layer(store, directory, media_type=OCI_LAYER_GZIP, overlay_whiteouts=False, mtime=None, owner=None)
                                                      # a plain directory (or an upperdir) -> LayerDiff
"""

from .differ import LABEL_UNCOMPRESSED, Applier, Comparer, LayerDiff

__all__ = ["Applier", "Comparer", "DiffService", "LayerDiff", "LABEL_UNCOMPRESSED"]


def __getattr__(name: str):
    # The implementation is imported lazily so that reading the interface costs nothing.
    if name == "DiffService":
        from .service import DiffService

        return DiffService
    raise AttributeError(name)
