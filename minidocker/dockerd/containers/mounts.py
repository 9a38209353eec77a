"""-v / --mount / image VOLUMEs turned into mount points and OCI mounts (cf. moby volume/mounts/linux_parser.go, daemon/volumes.go).

`-v /host:/ctr[:ro]` is a bind mount (the host directory is made if missing, as Docker does for -v);
`-v name:/ctr` a named volume (created on first use); `-v /ctr` and image VOLUMEs an anonymous volume.
The result is kept on the record as inspect's Mounts; `oci_mounts` rebuilds the runtime-spec entries
at each start from those mount points.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from ...errors import InvalidArgument
from . import image_files

MODES = {"ro", "rw", "z", "Z", "nocopy", "consistent", "cached", "delegated"}
PROPAGATIONS = {"private", "rprivate", "shared", "rshared", "slave", "rslave"}


def _check_dest(dst: str, spec: str) -> None:
    if not dst.startswith("/"):
        raise InvalidArgument(f"invalid mount config for type \"bind\": invalid mount path: '{dst}' mount path must be absolute"
                              if spec is None else f"invalid volume specification: '{spec}': invalid mount config for type \"volume\": invalid mount path: '{dst}' mount path must be absolute")
    if os.path.normpath(dst) == "/":
        raise InvalidArgument(f"invalid volume specification: '{spec}': invalid mount config for type \"bind\": invalid specification: destination can't be '/'")


def parse_bind(spec: str) -> dict[str, Any]:
    """One -v string as a mount point (Type bind or volume)."""
    parts = spec.split(":")
    if len(parts) == 1:
        src, dst, mode = "", parts[0], ""
    elif len(parts) == 2:
        if parts[1] and all(m in MODES | PROPAGATIONS for m in parts[1].split(",")) and parts[0].startswith("/") and not parts[1].startswith("/"):
            src, dst, mode = "", parts[0], parts[1]
        else:
            src, dst, mode = parts[0], parts[1], ""
    elif len(parts) == 3:
        src, dst, mode = parts
    else:
        raise InvalidArgument(f"invalid volume specification: '{spec}'")
    if not dst:
        raise InvalidArgument(f"invalid volume specification: '{spec}'")
    _check_dest(dst, spec)
    opts = [m for m in mode.split(",") if m]
    for m in opts:
        if m not in MODES and m not in PROPAGATIONS:
            raise InvalidArgument(f"invalid mode: {m}")
    rw = "ro" not in opts
    prop = next((m for m in opts if m in PROPAGATIONS), "rprivate")
    dst = os.path.normpath(dst)
    if src.startswith("/"):
        return {"Type": "bind", "Source": os.path.normpath(src), "Destination": dst, "Mode": mode, "RW": rw,
                "Propagation": prop}
    if src.startswith(".") or "/" in src:
        raise InvalidArgument(f'create {src}: "{src}" includes invalid characters for a local volume name, only '
                              '"[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path')
    return {"Type": "volume", "Name": src, "Source": "", "Destination": dst, "Driver": "local",
            "Mode": mode or "z", "RW": rw, "Propagation": "", "_nocopy": "nocopy" in opts}


def parse_mount(m: dict[str, Any]) -> dict[str, Any]:
    """One HostConfig.Mounts entry (--mount) as a mount point."""
    kind = m.get("Type") or "volume"
    dst = m.get("Target") or m.get("Destination") or ""
    if not dst.startswith("/"):
        raise InvalidArgument(f"invalid mount config for type \"{kind}\": invalid mount path: '{dst}' mount path must be absolute")
    rw = not m.get("ReadOnly")
    if kind == "bind":
        src = m.get("Source") or ""
        if not src.startswith("/"):
            raise InvalidArgument(f"invalid mount config for type \"bind\": invalid mount path: '{src}' mount path must be absolute")
        if not os.path.exists(src):
            raise InvalidArgument(f"invalid mount config for type \"bind\": bind source path does not exist: {src}")
        prop = (m.get("BindOptions") or {}).get("Propagation") or "rprivate"
        return {"Type": "bind", "Source": src, "Destination": dst, "Mode": "", "RW": rw, "Propagation": prop}
    if kind == "volume":
        return {"Type": "volume", "Name": m.get("Source") or "", "Source": "", "Destination": dst, "Driver": "local",
                "Mode": "z", "RW": rw, "Propagation": "",
                "_nocopy": bool((m.get("VolumeOptions") or {}).get("NoCopy"))}
    if kind == "tmpfs":
        opts = m.get("TmpfsOptions") or {}
        return {"Type": "tmpfs", "Source": "", "Destination": dst, "Mode": "", "RW": rw, "Propagation": "",
                "_size": int(opts.get("SizeBytes") or 0), "_mode": int(opts.get("Mode") or 0)}
    raise InvalidArgument(f"mount type {kind!r} is not supported")


def parse_volumes_from(spec: str) -> tuple[str, bool]:
    """"name[:ro|rw]" -> (container, writable), as moby's linuxParser.ParseVolumesFrom: no propagation
    or copy modes (the volumes keep those of the container they come from)."""
    if not spec:
        raise InvalidArgument("volumes-from specification cannot be an empty string")
    ref, colon, mode = spec.partition(":")
    if not colon:
        return ref, True
    opts = mode.split(",")
    if (not all(m in ("ro", "rw", "z", "Z") for m in opts) or sum(m in ("ro", "rw") for m in opts) > 1
            or sum(m in ("z", "Z") for m in opts) > 1):
        raise InvalidArgument(f"invalid mode: {mode}")
    return ref, "ro" not in opts


def shared_points(source: list[dict[str, Any]], writable: bool) -> list[dict[str, Any]]:
    """--volumes-from: the other container's volumes and binds (not its tmpfs), read-only if asked, never
    seeded again from the image (CopyData false)."""
    out = []
    for m in source:
        if m.get("Type") == "tmpfs":
            continue
        out.append({"Type": m["Type"], "Name": m.get("Name", ""), "Source": m.get("Source", ""),
                    "Destination": m["Destination"], "Driver": m.get("Driver", ""), "Mode": "",
                    "RW": bool(m.get("RW")) and writable, "Propagation": m.get("Propagation", ""), "_nocopy": True})
        if m["Type"] == "bind":
            del out[-1]["Name"], out[-1]["Driver"]
    return out


def collect(host_config: dict[str, Any], image_volumes: dict[str, Any] | None,
            shared: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Every mount point of a new container, later ones replacing earlier ones at the same destination:
    image VOLUMEs, --volumes-from, -v, --mount, --tmpfs (the order of moby's registerMountPoints)."""
    points: dict[str, dict[str, Any]] = {}
    for dst in image_volumes or {}:
        points[os.path.normpath(dst)] = {"Type": "volume", "Name": "", "Source": "", "Destination": os.path.normpath(dst),
                                         "Driver": "local", "Mode": "", "RW": True, "Propagation": ""}
    for p in shared or []:
        points[p["Destination"]] = p
    for spec in host_config.get("Binds") or []:
        p = parse_bind(spec)
        points[p["Destination"]] = p
    for m in host_config.get("Mounts") or []:
        p = parse_mount(m)
        if p["Destination"] in points and p["Destination"] not in (image_volumes or {}):
            raise InvalidArgument(f"Duplicate mount point: {p['Destination']}")
        points[p["Destination"]] = p
    for dst, opts in (host_config.get("Tmpfs") or {}).items():
        points[dst] = {"Type": "tmpfs", "Source": "", "Destination": dst, "Mode": opts, "RW": True, "Propagation": ""}
    return list(points.values())


def copy_image_content(volume_dir: Path, rootfs_dirs: list[Path], dest: str) -> None:
    """Seed an empty volume with what the image has at the mount path (Docker's copy-up of volume content).

    The path is resolved inside the image (image_files: its symlinks never lead onto the host, where an
    image's `/escape -> /home` would copy the host's directory into the volume), as moby copies from the
    container's rootfs at the path FollowSymlinkInScope gives."""
    if any(volume_dir.iterdir()):
        return
    where = image_files.resolve(rootfs_dirs, dest)
    if where is None or not where[1]:
        return
    src = where[0].joinpath(*where[1])
    if src.is_dir() and not src.is_symlink():
        shutil.copytree(src, volume_dir, symlinks=True, dirs_exist_ok=True)
        st = os.stat(src)
        os.chmod(volume_dir, st.st_mode & 0o7777)
        os.chown(volume_dir, st.st_uid, st.st_gid)


def oci_mounts(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runtime-spec mounts for the container's mount points (sources already resolved)."""
    out = []
    for p in sorted(points, key=lambda p: p["Destination"].count("/")):
        if p["Type"] == "tmpfs":
            opts = ["nosuid", "nodev", "noexec"]
            if p.get("_size"):
                opts.append(f"size={p['_size']}")
            if p.get("_mode"):
                opts.append(f"mode={p['_mode']:o}")
            if isinstance(p.get("Mode"), str) and p["Mode"]:
                opts += [o for o in p["Mode"].split(",") if o]
            out.append({"destination": p["Destination"], "type": "tmpfs", "source": "tmpfs", "options": opts})
            continue
        opts = ["rbind", p.get("Propagation") or "rprivate"]
        if not p["RW"]:
            opts.append("ro")
        out.append({"destination": p["Destination"], "type": "bind", "source": p["Source"], "options": opts})
    return out


def public(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mount points as inspect shows them (private keys dropped)."""
    return [{k: v for k, v in p.items() if not k.startswith("_")} for p in points]
