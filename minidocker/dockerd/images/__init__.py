"""dockerd's image service: references, the image metadata store, image commands, save/load/import/export (cf. moby daemon/images/).

Public API (dockerd holds one as `daemon.images`):
  svc = ImageService(paths.state_dir() / "image", content, snapshots, diff)   # containerd's Protocols
  svc.using_image = daemon.containers.using_image   # image_id -> [(container_id, running)]
  svc.get(name) -> Image              # ref, id, id prefix; errors.NotFound "No such image: busybox:latest"
  svc.list(all, filters, shared_size) / svc.inspect(name) / svc.history(name)      # API shapes
  svc.tag(source, repo, tag) / svc.remove(name, force, prune) / svc.prune(filters) / svc.df()
  svc.register(raw_config, layer_descriptors, parent="", tags=()) -> Image  # build, pull, load end here
  svc.prepare_rootfs(container_id, image) -> [Mount] / svc.release_rootfs(container_id)
  svc.save(names) -> chunks / svc.load(stream) -> messages / svc.import_image(stream, repo, tag, message,
  changes) -> id / svc.export(container_id) -> chunks
  reference.parse(text) -> Reference (normalised; .familiar(), .tagged_or_latest())
Endpoints: minidocker/dockerd/api/images.py.
"""

from .service import ImageService, chain_ids
from .store import Image, ImageStore

__all__ = ["Image", "ImageService", "ImageStore", "chain_ids"]
