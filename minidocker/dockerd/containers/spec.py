"""The OCI runtime spec dockerd builds for a container from its config, host config and image (cf. moby daemon/oci_linux.go).

Starts from Docker's defaults (minidocker.oci.defaults: 14 capabilities, masked and read-only /proc paths,
the default mounts and device rules) and applies what the user asked for: command, environment, working
directory, user, hostname, mounts, memory / CPU / pids limits, a read-only root, cap-add / cap-drop,
privileged mode, the network namespace the networking service prepared and Docker's default seccomp
profile (minidocker.oci.seccomp_default) resolved against the container's capabilities.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import InvalidArgument
from ...oci import defaults, seccomp_default
from . import image_files, initlayer, ulimits
from .record import Container

CPU_PERIOD = 100_000


def merge_env(image_env: list[str] | None, env: list[str] | None) -> list[str]:
    """Image Env first, the container's overriding by key; PATH always present (cf. container.CreateDaemonEnvironment)."""
    out: dict[str, str] = {}
    for item in (image_env or []) + (env or []):
        key = item.split("=", 1)[0]
        out[key] = item
    if "PATH" not in out:
        out = {"PATH": defaults.DEFAULT_PATH, **out}
    return list(out.values())


def _cap_name(name: str) -> str:
    name = name.upper()
    return name if name.startswith("CAP_") or name == "ALL" else "CAP_" + name


def capabilities(cap_add: list[str] | None, cap_drop: list[str] | None, privileged: bool) -> list[str]:
    """Docker's default set with --cap-add / --cap-drop applied ("ALL" works on either side)."""
    from ...linux.capabilities import NAMES

    if privileged:
        return list(NAMES)
    add = [_cap_name(c) for c in cap_add or []]
    drop = [_cap_name(c) for c in cap_drop or []]
    for name in add + drop:
        if name != "ALL" and name not in NAMES:
            raise InvalidArgument(f"invalid capability: {name}")
    caps = list(NAMES) if "ALL" in add else list(defaults.DEFAULT_CAPABILITIES)
    if "ALL" in drop:
        caps = []
    caps = [c for c in caps if c not in drop]
    caps += [c for c in add if c != "ALL" and c not in caps]
    return caps


def _read_db(rootfs_dirs: list[Path], rel: str) -> list[list[str]]:
    """The colon-separated entries of an image file (etc/passwd, etc/group) as the container sees it:
    resolved inside the image, a regular file only (image_files: a symlink to the host or a FIFO
    reads as no entries)."""
    data = image_files.read(rootfs_dirs, rel)
    if data is None:
        return []
    return [line.split(":") for line in data.decode(errors="replace").splitlines() if line and not line.startswith("#")]


def _members(field: str) -> list[str]:
    return [m for m in field.split(",") if m]


def _passwd_lookup(rootfs_dirs: list[Path], user: str) -> tuple[int, int, list[int]]:
    """uid, gid and supplementary groups of `user` ("name", "uid", "name:group", "uid:gid", "" = root) from the
    image's /etc/passwd and /etc/group (cf. runc libcontainer/user GetExecUser): a user given by name or by a
    uid that /etc/passwd knows gets the groups listing it as a member, unless a group is given explicitly."""
    name, _, group = user.partition(":")
    name = name or "0"
    entry = next((f for f in _read_db(rootfs_dirs, "etc/passwd")
                  if len(f) > 3 and (f[0] == name or (name.isdigit() and f[2] == name))), None)
    if entry is not None:
        uid, gid, username = int(entry[2]), int(entry[3]), entry[0]
    elif name.isdigit():
        uid, gid, username = int(name), 0, None
    else:
        raise InvalidArgument(f"unable to find user {name}: no matching entries in passwd file")
    groups = [f for f in _read_db(rootfs_dirs, "etc/group") if len(f) > 2 and f[2].isdigit()]
    if group:
        match = [f for f in groups if (f[2] == group if group.isdigit() else f[0] == group)]
        if match:
            gid = int(match[0][2])
        elif group.isdigit():
            gid = int(group)
        else:
            raise InvalidArgument(f"unable to find group {group}: no matching entries in group file")
        return uid, gid, []
    extra = [int(f[2]) for f in groups if username and len(f) > 3 and username in _members(f[3])]
    return uid, gid, extra


def _group_add(rootfs_dirs: list[Path], wanted: list[str]) -> list[int]:
    """HostConfig.GroupAdd: group names or ids; an id /etc/group does not know is used as is
    (cf. runc libcontainer/user GetAdditionalGroups)."""
    groups = [f for f in _read_db(rootfs_dirs, "etc/group") if len(f) > 2 and f[2].isdigit()]
    out: list[int] = []
    for ag in wanted:
        ag = str(ag)
        match = [int(f[2]) for f in groups if f[0] == ag or f[2] == ag]
        if match:
            out += match
        elif ag.isdigit():
            out.append(int(ag))
        else:
            raise InvalidArgument(f"unable to find group {ag}: no matching entries in group file")
    return out


def rootfs_dirs(mounts: list[Any]) -> list[Path]:
    """The directories making up the root filesystem, topmost first, read from overlay/bind mount options."""
    out: list[Path] = []
    for m in mounts:
        mtype = m["type"] if isinstance(m, dict) else m.type
        source = m["source"] if isinstance(m, dict) else m.source
        options = m["options"] if isinstance(m, dict) else m.options
        if mtype == "overlay":
            upper = [o.split("=", 1)[1] for o in options if o.startswith("upperdir=")]
            lower = [o.split("=", 1)[1] for o in options if o.startswith("lowerdir=")]
            out += [Path(p) for p in upper]
            for lo in lower:
                out += [Path(p) for p in lo.split(":")]
        else:
            out.append(Path(source))
    return out


def resolve_user(user: str, mounts: list[Any], group_add: list[str] | None = None) -> dict[str, Any]:
    """process.user: uid, gid and additionalGids = the primary group, the groups /etc/group lists the user in
    and --group-add (Docker >= 20.10.24 puts the primary gid first: the GHSA-rc4r-wh2q-q6c4 fix)."""
    dirs = rootfs_dirs(mounts)
    uid, gid, extra = _passwd_lookup(dirs, user)
    gids: list[int] = []
    for g in [gid] + extra + _group_add(dirs, group_add or []):
        if g not in gids:
            gids.append(g)
    return {"uid": uid, "gid": gid, "additionalGids": gids}


def resources(hc: dict[str, Any]) -> dict[str, Any]:
    """linux.resources from the host config's limits."""
    res: dict[str, Any] = {}
    mem = int(hc.get("Memory") or 0)
    if mem:
        res["memory"] = {"limit": mem}
        swap = int(hc.get("MemorySwap") or 0)
        if swap > 0:
            res["memory"]["swap"] = swap
        elif swap == 0:
            res["memory"]["swap"] = 2 * mem  # Docker's default: as much swap as memory
    if hc.get("MemoryReservation"):
        res.setdefault("memory", {})["reservation"] = int(hc["MemoryReservation"])
    cpu: dict[str, Any] = {}
    if hc.get("NanoCpus"):
        cpu["period"] = CPU_PERIOD
        cpu["quota"] = int(hc["NanoCpus"]) * CPU_PERIOD // 1_000_000_000
    if hc.get("CpuQuota"):
        cpu["quota"] = int(hc["CpuQuota"])
        cpu["period"] = int(hc.get("CpuPeriod") or CPU_PERIOD)
    if hc.get("CpuShares"):
        cpu["shares"] = int(hc["CpuShares"])
    if hc.get("CpusetCpus"):
        cpu["cpus"] = hc["CpusetCpus"]
    if hc.get("CpusetMems"):
        cpu["mems"] = hc["CpusetMems"]
    if cpu:
        res["cpu"] = cpu
    pids = hc.get("PidsLimit")
    if pids and int(pids) > 0:
        res["pids"] = {"limit": int(pids)}
    block = block_io_throttles(hc)
    if block:
        res["blockIO"] = block
    return res


THROTTLES = {"BlkioDeviceReadBps": "throttleReadBpsDevice", "BlkioDeviceWriteBps": "throttleWriteBpsDevice",
             "BlkioDeviceReadIOps": "throttleReadIOPSDevice", "BlkioDeviceWriteIOps": "throttleWriteIOPSDevice"}


def block_io_throttles(hc: dict[str, Any]) -> dict[str, Any]:
    """--device-{read,write}-{bps,iops} as linux.resources.blockIO: each device path stat'ed for its
    major:minor at start, as moby's getBlkioThrottleDevices (a missing path fails the start)."""
    import os

    out: dict[str, Any] = {}
    for key, field in THROTTLES.items():
        devices = []
        for dev in hc.get(key) or []:
            try:
                rdev = os.stat(dev["Path"]).st_rdev
            except OSError as err:
                raise InvalidArgument(f"stat {dev['Path']}: {os.strerror(err.errno or 0).lower()}") from None
            devices.append({"major": os.major(rdev), "minor": os.minor(rdev), "rate": int(dev["Rate"])})
        if devices:
            out[field] = devices
    return out


def build(c: Container, image_config: dict[str, Any], rootfs_mounts: list[Any], extra_mounts: list[dict[str, Any]],
          netns_path: str | None, joins: dict[str, str] | None = None) -> dict[str, Any]:
    """The complete config.json for the container's init process; `joins` maps a namespace type to the
    path of another container's namespace to join (--pid/--ipc container:X, containers/joins.py)."""
    cfg, hc = c.config, c.host_config
    hostname = cfg.get("Hostname") or c.id[:12]
    spec = defaults.default_spec(c.id, [c.path] + list(c.args), terminal=c.tty, hostname=hostname)
    proc = spec["process"]
    env = merge_env(image_config.get("Env"), cfg.get("Env"))
    env = [e for e in env if not e.startswith("HOSTNAME=")]
    env.insert(1 if env and env[0].startswith("PATH=") else 0, f"HOSTNAME={hostname}")
    if c.tty and not any(e.startswith("TERM=") for e in env):
        env.append("TERM=xterm")
    proc["env"] = env
    proc["cwd"] = cfg.get("WorkingDir") or "/"
    proc["user"] = resolve_user(cfg.get("User") or "", rootfs_mounts, hc.get("GroupAdd"))
    privileged = bool(hc.get("Privileged"))
    caps = capabilities(hc.get("CapAdd"), hc.get("CapDrop"), privileged)
    proc["capabilities"] = {"bounding": caps, "effective": list(caps), "permitted": list(caps)}
    if hc.get("Ulimits"):
        wanted = ulimits.rlimits(hc["Ulimits"])
        types = {r["type"] for r in wanted}
        proc["rlimits"] = [r for r in proc.get("rlimits", []) if r["type"] not in types] + wanted
    if hc.get("OomScoreAdj"):
        proc["oomScoreAdj"] = int(hc["OomScoreAdj"])
    if cfg.get("ConsoleSize") or hc.get("ConsoleSize"):
        h, w = (hc.get("ConsoleSize") or [0, 0])[:2]
        if h and w:
            proc["consoleSize"] = {"height": int(h), "width": int(w)}
    spec["root"]["readonly"] = bool(hc.get("ReadonlyRootfs"))
    initlayer.prepare(rootfs_mounts, rootfs_dirs(rootfs_mounts))
    shm = int(hc.get("ShmSize") or 0)
    mounts = []
    for m in spec["mounts"]:
        if m["destination"] == "/dev/shm" and shm:
            m["options"] = [o for o in m["options"] if not o.startswith("size=")] + [f"size={shm // 1024}k"]
        if privileged and m["destination"] in ("/sys", "/sys/fs/cgroup"):
            m["options"] = [o for o in m["options"] if o != "ro"]
        mounts.append(m)
    taken = {m["destination"] for m in extra_mounts}
    spec["mounts"] = [m for m in mounts if m["destination"] not in taken] + extra_mounts
    linux = spec["linux"]
    linux["resources"].update(resources(hc))
    if privileged:
        linux["maskedPaths"] = []
        linux["readonlyPaths"] = []
        linux["resources"]["devices"] = [{"allow": True, "access": "rwm"}]
        proc.pop("apparmorProfile", None)
    else:
        if hc.get("MaskedPaths") is not None:
            linux["maskedPaths"] = list(hc["MaskedPaths"])
        if hc.get("ReadonlyPaths") is not None:
            linux["readonlyPaths"] = list(hc["ReadonlyPaths"])
    namespaces = []
    for ns in linux["namespaces"]:
        if ns["type"] == "network":
            if netns_path == "":  # host networking: stay in the host's namespace
                continue
            if netns_path:
                ns = {"type": "network", "path": netns_path}
        if ns["type"] in (joins or {}):
            ns = {"type": ns["type"], "path": joins[ns["type"]]}
        namespaces.append(ns)
    if (hc.get("PidMode") or "") == "host":
        namespaces = [n for n in namespaces if n["type"] != "pid"]
    if (hc.get("IpcMode") or "") == "host":
        namespaces = [n for n in namespaces if n["type"] != "ipc"]
    if (hc.get("UTSMode") or "") == "host":
        namespaces = [n for n in namespaces if n["type"] != "uts"]
        spec.pop("hostname", None)
    linux["namespaces"] = namespaces
    sysctls = hc.get("Sysctls") or {}
    if sysctls:
        linux["sysctl"] = dict(sysctls)
    if seccomp_default.wanted(hc.get("SecurityOpt"), privileged):
        linux["seccomp"] = seccomp_default.profile(caps)
    proc["noNewPrivileges"] = no_new_privileges(hc.get("SecurityOpt"))
    return spec


_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def no_new_privileges(security_opt: list[str] | None) -> bool:
    """--security-opt no-new-privileges, =true/:true or =false (Go's ParseBool words; the last one wins),
    privileged or not: Docker sets no_new_privs only when asked (cf. moby daemon/create.go parseSecurityOpt)."""
    wanted = False
    for opt in security_opt or []:
        if opt == "no-new-privileges":
            wanted = True
            continue
        key, sep, value = opt.partition("=") if "=" in opt else opt.partition(":")
        if key != "no-new-privileges":
            continue
        if not sep or value not in _TRUE + _FALSE:
            raise InvalidArgument(f'invalid --security-opt 2: "{opt}"')
        wanted = value in _TRUE
    return wanted
