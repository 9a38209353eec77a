"""Snapshotters: layers stacked as overlay mounts, in the key/name/parent vocabulary of containerd core/snapshots.

Public API:
  from minidocker.containerd.snapshots import OverlaySnapshotter, Snapshotter, Kind, Info, Usage
  sn = OverlaySnapshotter(paths.state_dir() / "containerd" / "snapshots" / "overlayfs")
  mounts = sn.prepare("extract-1 sha256:<chainid>", parent="")     # -> [Mount(bind, .../1/fs, [rw, rbind])]
  sn.commit("sha256:<chainid>", "extract-1 sha256:<chainid>")
  mounts = sn.prepare("<container id>", parent="sha256:<chainid>") # -> [Mount(overlay, overlay, [index=off,
                                                                   #     workdir=..., upperdir=..., lowerdir=...])]
  sn.view(key, parent) / sn.mounts(key) / sn.stat(key) / sn.usage(key) / sn.remove(key) / sn.walk() / sn.list()
  sn.upperdir(key) / sn.lowerdirs(key)    # paths, for the differ and for teaching (chapter 02, 09)
  sn.update(key, labels) / sn.cleanup()   # labels ("" removes); delete dirs a crash left unreferenced
See snapshotter.py for the lifecycle.
"""

from .snapshotter import TRANSITIONS, Info, Kind, Snapshotter, Usage

__all__ = ["Info", "Kind", "OverlaySnapshotter", "Snapshotter", "TRANSITIONS", "Usage"]


def __getattr__(name: str):
    if name == "OverlaySnapshotter":
        from .overlay import OverlaySnapshotter

        return OverlaySnapshotter
    raise AttributeError(name)
