"""A RUN step as a real container, and its changes as a layer (cf. moby builder/dockerfile/internals.go, containerBackend).

The step's container is made and started exactly as `docker run` makes it (a record, containerd's
task path, a shim, the OCI runtime); its output is streamed into the build; once it has exited, its
writable snapshot is diffed against the image's top layer by containerd's diff service, and the
container is removed, as the classic builder removes intermediate containers.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from ...oci import image as oci
from .backend import Layer


# Mount points the runtime made for the files dockerd bind-mounts into every container, and the
# /.dockerenv marker. Docker keeps them in the container's "-init" layer, below its writable layer, so
# a commit never holds them.
MOUNT_POINTS = ("etc/hostname", "etc/hosts", "etc/resolv.conf", ".dockerenv")


def _drop_mount_points(upper: list) -> None:
    """Remove the empty placeholder files the bind mounts left in the snapshot's upper directory."""
    if len(upper) != 1 or upper[0].type != "overlay":
        return
    opts = dict(o.split("=", 1) for o in upper[0].options if "=" in o)
    updir, lowers = opts.get("upperdir"), [d for d in opts.get("lowerdir", "").split(":") if d]
    if not updir:
        return
    for rel in MOUNT_POINTS:
        path = os.path.join(updir, rel)
        if os.path.isfile(path) and not os.path.islink(path) and os.path.getsize(path) == 0 \
                and not any(os.path.lexists(os.path.join(lower, rel)) for lower in lowers):
            os.unlink(path)
    etc = os.path.join(updir, "etc")
    if os.path.isdir(etc) and not os.listdir(etc) and any(os.path.isdir(os.path.join(l, "etc")) for l in lowers):
        os.rmdir(etc)  # only there as the placeholders' parent: the image has /etc already


def _diff(daemon: Any, container_id: str, image_id: str) -> Layer:
    images = daemon.images
    top = images.unpack(images.get(image_id))
    upper = images.snapshots.mounts(container_id)
    _drop_mount_points(upper)
    if not top:
        lower: list = []
        found = images.diff.compare(lower, upper, oci.OCI_LAYER)
        return Layer(found.descriptor.digest, found.diff_id, found.descriptor.size, found.descriptor.media_type)
    view = f"builddiff-{os.urandom(6).hex()}"
    lower = images.snapshots.view(view, parent=top)
    try:
        found = images.diff.compare(lower, upper, oci.OCI_LAYER)
    finally:
        images.snapshots.remove(view)
    return Layer(found.descriptor.digest, found.diff_id, found.descriptor.size, found.descriptor.media_type)


def run_step(daemon: Any, image_id: str, argv: list[str], env: list[str], user: str, workdir: str,
             output: Callable[[int, bytes], None], on_start: Callable[[str], None],
             keep_on_failure: bool = False, host: dict | None = None) -> tuple[int, Layer | None]:
    host_config = {"NetworkMode": "bridge", **{k: v for k, v in (host or {}).items() if v}}
    if host_config["NetworkMode"] == "default":
        host_config["NetworkMode"] = "bridge"
    body = {"Image": image_id, "Entrypoint": [], "Cmd": argv, "Env": env, "User": user, "WorkingDir": workdir,
            "AttachStdout": True, "AttachStderr": True, "Labels": {"minidocker.build": "step"},
            "HostConfig": host_config}
    created = daemon.create_container("", body)
    container = daemon.containers.get(created["Id"])
    code = -1
    try:
        on_start(container.id)
        stream = daemon.hub(container).subscribe()
        daemon.start_container(container)
        while True:
            item = stream.get()
            if item is None or not isinstance(item, tuple):
                break
            output(item[0], item[1])
        status = daemon.wait_container(container, "not-running", lambda: False)
        code = int(status["StatusCode"]) if status else 1
        layer = _diff(daemon, container.id, image_id) if code == 0 else None
        return code, layer
    finally:
        if code == 0 or not keep_on_failure:
            daemon.remove_container(container, force=True)
