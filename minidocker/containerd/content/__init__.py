"""The content store: sha256 blobs in an OCI image layout, verified on write (cf. containerd core/content).

Public API:
  from minidocker.containerd.content import LocalStore, ContentStore, Info, Writer
  store = LocalStore(paths.state_dir() / "containerd" / "content")   # makes oci-layout, index.json, blobs/sha256
  digest, size = store.write_blob(data, expected="sha256:...")       # DigestMismatch on bad bytes, nothing left
  with store.writer(ref="layer-1", expected=digest, total=size) as w:  # streaming ingest
      w.write(chunk); w.commit()
  store.info(d) / store.read(d, offset) / store.path(d) / store.read_bytes(d) / store.exists(d)
  store.update(d, {"containerd.io/gc.ref.content.l.0": other}) / store.delete(d) / store.walk() / store.list()
  store.read_index() / store.write_index(index)       # the layout's index.json (kept for interop)
  store.abort_stale_ingests()                         # ingests whose writer died (also done at open)
See store.py for the lifecycle.
"""

from .store import ContentStore, Info, Writer

__all__ = ["ContentStore", "Info", "LocalStore", "Writer"]


def __getattr__(name: str):
    if name == "LocalStore":
        from .local import LocalStore

        return LocalStore
    raise AttributeError(name)
