"""The offline base image busybox:latest, made from Debian's busybox-static (cf. docker-library/busybox).

Like Docker Hub's busybox image: one static binary with every applet hard-linked into /bin,
/etc/passwd and /etc/group, the usual empty directories, and CMD ["sh"].
Run as `python -m minidocker.baseimage DEST` to write a root filesystem directory, or with
`--ensure` to make the one under the state root if it is missing (the set-up does this).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

BUSYBOX = Path("/bin/busybox")
IMAGE_CMD = ["sh"]
IMAGE_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]

PASSWD = """\
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
"""

GROUP = """\
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
wheel:x:10:root
mail:x:8:
www-data:x:33:
operator:x:37:
staff:x:50:
users:x:100:
nogroup:x:65534:
"""

DIRS = {"bin": 0o755, "dev": 0o755, "etc": 0o755, "home": 0o755, "proc": 0o755, "root": 0o700,
        "sys": 0o755, "tmp": 0o1777, "usr": 0o755, "usr/sbin": 0o755, "var": 0o755,
        "var/spool": 0o755, "var/spool/mail": 0o755, "var/www": 0o755}


def applets(busybox: Path = BUSYBOX) -> list[str]:
    """Every applet the busybox binary was built with."""
    out = subprocess.run([str(busybox), "--list"], check=True, capture_output=True, text=True).stdout
    return sorted(name for name in out.split() if name and "/" not in name)


def make_rootfs(dest: Path, busybox: Path = BUSYBOX) -> Path:
    """Write the busybox root filesystem into dest (made anew under a temporary name, then renamed)."""
    if not busybox.exists():
        raise FileNotFoundError(f"{busybox} is missing: install Debian's busybox-static")
    dest = Path(dest)
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for rel, mode in DIRS.items():
        (tmp / rel).mkdir(parents=True, exist_ok=True)
        os.chmod(tmp / rel, mode)
    target = tmp / "bin" / "busybox"
    shutil.copy2(busybox, target)
    os.chmod(target, 0o755)
    for name in applets(busybox):
        if name != "busybox":
            os.link(target, tmp / "bin" / name)
    (tmp / "etc" / "passwd").write_text(PASSWD)
    (tmp / "etc" / "group").write_text(GROUP)
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(tmp, dest)
    return dest


def rootfs_dir() -> Path:
    """Where set-up keeps the busybox root filesystem under the state root."""
    from . import paths

    return paths.state_dir() / "baseimages" / "busybox" / "rootfs"


def ensure() -> Path:
    """Make the base image unless it is already there (idempotent, quick when done)."""
    dest = rootfs_dir()
    if not (dest / "bin" / "sh").exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        make_rootfs(dest)
    register(dest)
    return dest


def register(rootfs: Path) -> str:
    """Name the rootfs busybox:latest in the engine's stores (content store + dockerd's image store); its id."""
    from .dockerd.images.base import register_busybox

    return register_busybox(rootfs).id


def source_epoch(rootfs: Path) -> int:
    """The image's timestamp: SOURCE_DATE_EPOCH if set, else the busybox binary's mtime (stable per machine)."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    return int(env) if env else int((Path(rootfs) / "bin" / "busybox").stat().st_mtime)


def layer_tar(rootfs: Path) -> bytes:
    """The rootfs as one uncompressed layer tar, byte-for-byte reproducible (sorted, owner 0:0, one mtime)."""
    from .containerd.archive import tar_bytes

    return tar_bytes(rootfs, mtime=source_epoch(rootfs), owner=(0, 0))


def write_image(content_store, rootfs: Path):
    """Write busybox:latest as an OCI image (layer, config, manifest) into a content store.

    Returns the manifest's Descriptor; the image ID is the config digest. The same rootfs gives the
    same digests every time (the layer's gzip stream is written with mtime 0).
    """
    from datetime import datetime, timezone

    from .containerd.diff.service import write_layer
    from .oci import image as oci

    epoch = source_epoch(rootfs)
    created = datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    layer = write_layer(content_store, rootfs, oci.OCI_LAYER_GZIP, mtime=epoch, owner=(0, 0), ref="busybox-layer")
    config = oci.ImageConfig(
        architecture="amd64", os="linux", created=created,
        config=oci.RuntimeConfig(Env=list(IMAGE_ENV), Cmd=list(IMAGE_CMD)),
        diff_ids=[layer.diff_id],
        history=[oci.History(created=created, created_by=f"/bin/sh -c #(nop) ADD file:{layer.diff_id[7:]} in / "),
                 oci.History(created=created, created_by='/bin/sh -c #(nop)  CMD ["sh"]', empty_layer=True)])
    config_bytes = oci.canonical_json(config)
    config_digest, config_size = content_store.write_blob(config_bytes, expected=oci.sha256_digest(config_bytes))
    manifest = oci.Manifest(config=oci.Descriptor(oci.OCI_CONFIG, config_digest, config_size),
                            layers=[layer.descriptor], media_type=oci.OCI_MANIFEST)
    manifest_bytes = oci.canonical_json(manifest)
    labels = {"containerd.io/gc.ref.content.config": config_digest,
              "containerd.io/gc.ref.content.l.0": layer.descriptor.digest}
    digest, size = content_store.write_blob(manifest_bytes, expected=oci.sha256_digest(manifest_bytes), labels=labels)
    return oci.Descriptor(oci.OCI_MANIFEST, digest, size, platform=oci.Platform("amd64", "linux"))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--ensure"]:
        print(f"minidocker: base image busybox:latest ready ({ensure()})")
        return 0
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m minidocker.baseimage DEST | --ensure", file=sys.stderr)
        return 2
    print(make_rootfs(Path(args[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
