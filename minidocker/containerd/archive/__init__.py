"""Layer tars: safe unpacking of untrusted tars and deterministic packing, with OCI whiteouts (cf. containerd pkg/archive).

Public API (minidocker.containerd.archive):
  apply_tar(stream, root, mode=WhiteoutMode.DELETE, parents=()) -> Applied(diff_id, size)
      Unpack a layer (plain tar or gzip, sniffed by magic bytes) into directory `root`.
      WhiteoutMode.OVERLAY: root is an overlay upperdir; `.wh.NAME` -> char device 0/0,
      `.wh..wh..opq` -> xattr trusted.overlay.opaque=y; `parents` (the lowerdirs) supply the
      metadata of parent directories that must be created. WhiteoutMode.DELETE: root is a flat
      directory (a full rootfs); whiteouts delete what they name, an opaque marker empties its dir
      of everything that did not come from this same layer.
  write_tar(root, out, overlay_whiteouts=False, mtime=None, owner=None) -> None
      Pack directory `root` into `out` (sorted, PAX, no uname/gname, hard links kept);
      overlay_whiteouts=True reads root as an overlay upperdir and writes OCI whiteouts;
      mtime=N (and owner=(0, 0)) normalise every entry, for a reproducible base image.
  tar_bytes(root, **same) -> bytes
  check_unpackable(stream, scratch) -> Applied
      Unpack into a private directory under scratch and remove it: refuses at import/ADD time
      what could never be unpacked at run time (check.py).
  WhiteoutMode, WHITEOUT_PREFIX, WHITEOUT_OPAQUE, OVERLAY_OPAQUE_XATTR (whiteout.py)
  open_decompressed(stream) -> stream (compression.py)

Untrusted input rules (DESIGN.md section 5), enforced in unpack.py and safepath.py:
  - a leading "/" is stripped, as Docker does ("/etc/passwd" means etc/passwd in the layer);
  - a name that still leaves the root after cleaning ("../x", "a/../../x") is REFUSED;
  - nothing is ever written through a symlink to outside the root: every parent component is
    opened with O_NOFOLLOW relative to the root's file descriptor, and a symlink met on the way
    is resolved as if the root were "/" (a chroot-style walk), so ../../.. stops at the root;
  - symlink TARGETS are stored as they are (an absolute target resolves inside the container);
  - a hard link must name an entry inside the layer (cleaned like any name) - otherwise refused;
  - block/char devices and FIFOs are SKIPPED (a container gets its /dev from the runtime), except
    the 0/0 char device that is an overlay whiteout in OVERLAY mode; setuid/setgid/sticky bits are
    kept, as Docker keeps them; owners are kept when running as root (otherwise, like GNU tar, files
    belong to the caller).
Any refusal raises errors.InvalidArgument naming the entry; callers unpack into a fresh snapshot
and remove it on error, so nothing half-applied survives.
"""

from .check import check_unpackable
from .pack import tar_bytes, write_tar
from .unpack import Applied, apply_tar
from .whiteout import (OVERLAY_OPAQUE_XATTR, WHITEOUT_META_PREFIX, WHITEOUT_OPAQUE, WHITEOUT_PREFIX,
                       WhiteoutMode)
from .compression import detect as detect_compression, open_decompressed

__all__ = ["Applied", "check_unpackable", "OVERLAY_OPAQUE_XATTR", "WHITEOUT_META_PREFIX", "WHITEOUT_OPAQUE", "WHITEOUT_PREFIX",
           "WhiteoutMode", "apply_tar", "detect_compression", "open_decompressed", "tar_bytes", "write_tar"]
