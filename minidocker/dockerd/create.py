"""POST /containers/create: validate, merge with the image's config, reserve the name, prepare rootfs and volumes (cf. moby daemon/create.go, daemon/container.go).

Validation lives here, once: the CLI and the notebooks send what the user typed and get Docker's
messages back ("No command specified", the name conflict, the minimum memory limit...).
"""

from __future__ import annotations

import os
import secrets
import socket
from typing import Any

from ..errors import InvalidArgument, NotFound, Unsupported
from . import health
from .containers import joins
from .containers import mounts as mnt
from .containers import logdriver, names
from .containers.record import Container

MIN_MEMORY = 6 * 1024 * 1024
ULIMITS = {"core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss",
           "rtprio", "rttime", "sigpending", "stack", "as"}
NETWORK_MODES = {"", "default", "bridge", "none", "host"}

# The HostConfig keys Docker always reports (api/types/container/host_config.go), with its defaults.
HOST_CONFIG_DEFAULTS: dict[str, Any] = {
    "Binds": None, "ContainerIDFile": "", "LogConfig": {"Type": "json-file", "Config": {}},
    "NetworkMode": "default", "PortBindings": {}, "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
    "AutoRemove": False, "VolumeDriver": "", "VolumesFrom": None, "CapAdd": None, "CapDrop": None,
    "CgroupnsMode": "host", "Dns": [], "DnsOptions": [], "DnsSearch": [], "ExtraHosts": None, "GroupAdd": None,
    "IpcMode": "private", "Cgroup": "", "Links": None, "OomScoreAdj": 0, "PidMode": "", "Privileged": False,
    "PublishAllPorts": False, "ReadonlyRootfs": False, "SecurityOpt": None, "UTSMode": "", "UsernsMode": "",
    "ShmSize": 67108864, "Runtime": "runc", "ConsoleSize": [0, 0], "Isolation": "", "CpuShares": 0,
    "Memory": 0, "NanoCpus": 0, "CgroupParent": "", "BlkioWeight": 0, "BlkioWeightDevice": [],
    "BlkioDeviceReadBps": [], "BlkioDeviceWriteBps": [], "BlkioDeviceReadIOps": [], "BlkioDeviceWriteIOps": [],
    "CpuPeriod": 0, "CpuQuota": 0, "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0, "CpusetCpus": "",
    "CpusetMems": "", "Devices": [], "DeviceCgroupRules": None, "DeviceRequests": None, "KernelMemory": 0,
    "KernelMemoryTCP": 0, "MemoryReservation": 0, "MemorySwap": 0, "MemorySwappiness": None,
    "OomKillDisable": False, "PidsLimit": None, "Ulimits": [], "CpuCount": 0, "CpuPercent": 0,
    "IOMaximumIOps": 0, "IOMaximumBandwidth": 0,
}

CONFIG_DEFAULTS: dict[str, Any] = {
    "Hostname": "", "Domainname": "", "User": "", "AttachStdin": False, "AttachStdout": False,
    "AttachStderr": False, "Tty": False, "OpenStdin": False, "StdinOnce": False, "Env": None, "Cmd": None,
    "Image": "", "Volumes": None, "WorkingDir": "", "Entrypoint": None, "OnBuild": None, "Labels": {},
}


def command(config: dict[str, Any], image_cfg: dict[str, Any]) -> tuple[list[str] | None, list[str] | None]:
    """Entrypoint and Cmd after Docker's merge: a user entrypoint drops the image's Cmd (cf. daemon/commit.go merge)."""
    entrypoint = config.get("Entrypoint")
    cmd = config.get("Cmd")
    if isinstance(entrypoint, str):
        entrypoint = [entrypoint]
    if isinstance(cmd, str):
        cmd = [cmd]
    if entrypoint is None:
        entrypoint = image_cfg.get("Entrypoint")
        if not cmd:
            cmd = image_cfg.get("Cmd")
    elif entrypoint == [""]:
        entrypoint = None  # --entrypoint "": reset the image's
    return entrypoint or None, cmd or None


def validate_restart_policy(policy: dict[str, Any], auto_remove: bool) -> None:
    """dockerd's validateHostConfig / validateRestartPolicy, with their words."""
    name = policy.get("Name") or ""
    count = int(policy.get("MaximumRetryCount") or 0)
    if auto_remove and name not in ("", "no"):
        raise InvalidArgument("can't create 'AutoRemove' container with restart policy")
    if name in ("always", "unless-stopped", "no") and count != 0:
        raise InvalidArgument(f"maximum retry count cannot be used with restart policy '{name}'")
    if name == "on-failure" and count < 0:
        raise InvalidArgument("maximum retry count cannot be negative")
    if name not in ("", "no", "always", "unless-stopped", "on-failure"):
        raise InvalidArgument(f"invalid restart policy '{name}'")


def validate_limits(hc: dict[str, Any]) -> None:
    """The resource checks create and update share (cf. daemon_unix.go verifyPlatformContainerResources)."""
    mem = int(hc.get("Memory") or 0)
    if mem and mem < MIN_MEMORY:
        raise InvalidArgument("Minimum memory limit allowed is 6MB")
    swap = int(hc.get("MemorySwap") or 0)
    if mem and swap > 0 and swap < mem:
        raise InvalidArgument("Minimum memoryswap limit should be larger than memory limit, see usage")
    nano = int(hc.get("NanoCpus") or 0)
    ncpu = os.cpu_count() or 1
    if nano and (nano < 10_000_000 or nano > ncpu * 1_000_000_000):
        raise InvalidArgument(f"Range of CPUs is from 0.01 to {ncpu:.2f}, as there are only {ncpu} CPUs available")
    if nano and (hc.get("CpuQuota") or hc.get("CpuPeriod")):
        raise InvalidArgument("Conflicting options: Nano CPUs and CPU Period cannot both be set")
    validate_resources(hc)
    refuse_undelegated(hc)


# The flag of each limit and the cgroup controller it needs (the limits a delegated subtree can hold).
_CONTROLLED = (("Memory", "--memory", "memory"), ("MemoryReservation", "--memory-reservation", "memory"),
               ("OomKillDisable", "--oom-kill-disable", "memory"), ("PidsLimit", "--pids-limit", "pids"),
               ("NanoCpus", "--cpus", "cpu"), ("CpuShares", "--cpu-shares", "cpu"), ("CpuQuota", "--cpu-quota", "cpu"),
               ("CpuPeriod", "--cpu-period", "cpu"), ("CpusetCpus", "--cpuset-cpus", "cpuset"),
               ("CpusetMems", "--cpuset-mems", "cpuset"))


def refuse_undelegated(hc: dict[str, Any]) -> None:
    """A rootless engine limits containers only inside the cgroup subtree delegated to its user: without one,
    one line saying what to do. (Rootless Docker drops the flag with a warning where it has no systemd-delegated
    cgroup v2, "Limitation discarded"; a course that teaches limits must not pretend one was set.)"""
    from .. import paths

    uid = paths.rootless_uid()
    if uid is None:
        return
    wanted = [(flag, controller) for field, flag, controller in _CONTROLLED if hc.get(field) not in (None, 0, False, "")]
    if not wanted:
        return
    from ..rootless import cgroups

    rel = paths.rootless_cgroup()
    have = cgroups.delegated_controllers(rel) if rel else set()
    for flag, controller in wanted:
        if controller not in have:
            raise InvalidArgument(cgroups.refusal(flag, controller, uid))


def validate_host_config(hc: dict[str, Any]) -> None:
    from .networks.ports import check_specs

    if hc.get("AutoRemove") and ((hc.get("RestartPolicy") or {}).get("Name") or "no") != "no":
        raise InvalidArgument("can't create 'AutoRemove' container with restart policy")  # first, as dockerd
    check_specs(hc.get("PortBindings"))
    validate_restart_policy(hc.get("RestartPolicy") or {}, bool(hc.get("AutoRemove")))
    validate_limits(hc)
    from .etcextra import check_extra_hosts

    check_extra_hosts(hc.get("ExtraHosts"))
    from . import spec_extras

    spec_extras.check(hc)
    mode = hc.get("NetworkMode") or "default"
    if mode not in NETWORK_MODES and not mode.startswith("container:"):
        pass  # a user-defined network: the networking service says whether it exists
    if mode == "host" and hc.get("PortBindings"):
        pass  # Docker warns and ignores published ports with host networking
    if hc.get("Devices") or hc.get("DeviceRequests"):
        raise Unsupported("--device and --gpus are not supported by minidocker")
    from .containers.spec import no_new_privileges

    no_new_privileges(hc.get("SecurityOpt"))  # a value that is not a boolean is refused as dockerd does
    for opt in hc.get("SecurityOpt") or []:
        if opt.replace("=", ":").split(":")[0] == "no-new-privileges" or opt in ("seccomp=unconfined",
                                                                                 "apparmor=unconfined"):
            continue  # honoured by the runtime spec (containers/spec.py); no AppArmor profiles exist here
        raise Unsupported(f"security option {opt!r} is not supported by minidocker")
    for u in hc.get("Ulimits") or []:
        if u.get("Name") not in ULIMITS:
            raise InvalidArgument(f"invalid ulimit type: {u.get('Name')}")
        if int(u.get("Soft", 0)) > int(u.get("Hard", 0)):
            raise InvalidArgument(f"ulimit soft limit must be less than or equal to hard limit: {u.get('Soft')} > {u.get('Hard')}")


def _cpu_list(value: str) -> set[int] | None:
    """"0-2,4" as a set of CPUs; None when malformed (cf. moby pkg/parsers ParseUintList)."""
    out: set[int] = set()
    for part in value.split(","):
        lo, dash, hi = part.partition("-")
        if not lo.isdigit() or (dash and (not hi.isdigit() or int(hi) < int(lo))):
            return None
        out.update(range(int(lo), int(hi if dash else lo) + 1))
    return out


def validate_resources(hc: dict[str, Any]) -> None:
    """The resource ranges dockerd checks at create, with its messages (cf. moby daemon/daemon_unix.go
    verifyPlatformContainerResources)."""
    adj = int(hc.get("OomScoreAdj") or 0)
    if adj < -1000 or adj > 1000:
        raise InvalidArgument(f"Invalid value {adj}, range for oom score adj is [-1000, 1000]")
    if hc.get("KernelMemory") and int(hc["KernelMemory"]) < MIN_MEMORY:
        raise InvalidArgument("Minimum kernel memory limit allowed is 6MB")
    if hc.get("MemoryReservation") and int(hc["MemoryReservation"]) < MIN_MEMORY:
        raise InvalidArgument("Minimum memory reservation allowed is 6MB")
    period = int(hc.get("CpuPeriod") or 0)
    if period and (period < 1000 or period > 1_000_000):
        raise InvalidArgument("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
    quota = int(hc.get("CpuQuota") or 0)
    if quota > 0 and quota < 1000:
        raise InvalidArgument("CPU cfs quota can not be less than 1ms (i.e. 1000)")
    for key, what, online in (("CpusetCpus", "cpus", "/sys/devices/system/cpu/online"),
                              ("CpusetMems", "mems", "/sys/devices/system/node/online")):
        value = hc.get(key) or ""
        if not value:
            continue
        wanted = _cpu_list(value)
        if wanted is None:
            raise InvalidArgument(f"Invalid value {value} for cpuset {what}: invalid format: {value}")
        try:
            available = open(online).read().strip()
        except OSError:
            continue
        if not wanted <= (_cpu_list(available) or set()):
            label = "CPUs" if what == "cpus" else "memory nodes"
            raise InvalidArgument(f"Requested {label} are not available - requested {value}, available: {available}")


def discard_unsupported(hc: dict[str, Any]) -> list[str]:
    """What dockerd drops with a warning when the host cannot do it (cf. daemon_unix.go verifyPlatformContainerResources):
    block I/O weights always (minidocker does not apply them), throttles where the host's cgroups have none."""
    warnings = []
    if hc.get("BlkioWeight"):
        warnings.append("Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.")
        hc["BlkioWeight"] = 0
    if hc.get("BlkioWeightDevice"):
        warnings.append("Your kernel does not support Block I/O weight_device or the cgroup is not mounted. "
                        "Weight-device discarded.")
        hc["BlkioWeightDevice"] = []
    for key, text in (("BlkioDeviceReadBps", "BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read"),
                      ("BlkioDeviceWriteBps", "BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write"),
                      ("BlkioDeviceReadIOps", "IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read"),
                      ("BlkioDeviceWriteIOps", "IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write")):
        if hc.get(key) and not _host_throttles(key):
            warnings.append(f"Your kernel does not support {text} limit discarded.")
            hc[key] = []
    return warnings


def _host_throttles(key: str) -> bool:
    """Whether the host's cgroups can throttle (moby's sysinfo): v1's blkio.throttle.* file, or v2's io controller."""
    v1 = {"BlkioDeviceReadBps": "read_bps_device", "BlkioDeviceWriteBps": "write_bps_device",
          "BlkioDeviceReadIOps": "read_iops_device", "BlkioDeviceWriteIOps": "write_iops_device"}[key]
    if os.path.exists(f"/sys/fs/cgroup/blkio/blkio.throttle.{v1}"):
        return True
    try:
        return "io" in open("/sys/fs/cgroup/cgroup.controllers").read().split()
    except OSError:
        return False


def merge_image_env(user: list[str] | None, image: list[str] | None) -> list[str] | None:
    """Config.Env as dockerd stores it: the user's -e first, then the image's variables they do not
    set (cf. moby daemon/commit.go merge); the process sees the same variables either way."""
    if not user:
        return list(image) if image else None
    keys = {e.partition("=")[0] for e in user}
    return list(user) + [e for e in image or [] if e.partition("=")[0] not in keys]


def normalize_capabilities(field: str, caps: list[str]) -> list[str]:
    """--cap-add / --cap-drop names as dockerd stores them: upper case, CAP_ prefixed, "ALL" kept; unknown names
    refused here, at create, so no container is left behind (cf. moby oci/caps NormalizeLegacyCapabilities)."""
    from ..linux.capabilities import NAMES

    if not isinstance(caps, list) or not all(isinstance(c, str) for c in caps):
        raise InvalidArgument(f"invalid {field}: expected a list of capability names")
    out = []
    for cap in caps:
        cap = cap.upper()
        if cap != "ALL":
            cap = cap if cap.startswith("CAP_") else "CAP_" + cap
            if cap not in NAMES:
                raise InvalidArgument(f'invalid {field}: unknown capability: "{cap}"')
        out.append(cap)
    return out


class CreateMixin:
    def create_container(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create a container from the create body; returns {"Id", "Warnings"}."""
        if not isinstance(body, dict):
            raise InvalidArgument("config cannot be empty in order to create a container")
        body = dict(body)
        hc_in = body.pop("HostConfig", None) or {}
        networking = body.pop("NetworkingConfig", None)
        image_ref = body.get("Image") or ""
        if not image_ref:
            raise InvalidArgument("No image specified")
        image = self.images.get(image_ref)
        image_cfg = (image.config.get("config") or {}) if isinstance(image.config, dict) else {}
        config = dict(CONFIG_DEFAULTS)
        config.update({k: v for k, v in body.items() if v is not None or k in ("Entrypoint", "Cmd")})
        entrypoint, cmd = command(config, image_cfg)
        argv = (entrypoint or []) + (cmd or [])
        if not argv:
            raise InvalidArgument("No command specified")
        config["Entrypoint"], config["Cmd"] = entrypoint, cmd
        config["Env"] = merge_image_env(config.get("Env"), image_cfg.get("Env"))
        for key in ("WorkingDir", "User"):
            if not config.get(key) and image_cfg.get(key):
                config[key] = image_cfg[key]
        # Config.Volumes: the user's (-v /data) plus the image's VOLUMEs; null when neither has any (cf. daemon/commit.go merge).
        config["Volumes"] = {**(image_cfg.get("Volumes") or {}), **(config.get("Volumes") or {})} or None
        if image_cfg.get("ExposedPorts"):
            config["ExposedPorts"] = {**image_cfg["ExposedPorts"], **(config.get("ExposedPorts") or {})}
        if image_cfg.get("Labels"):
            config["Labels"] = {**image_cfg["Labels"], **(config.get("Labels") or {})}
        healthcheck = health.merge_config(config.pop("Healthcheck", None), image_cfg.get("Healthcheck"))
        if healthcheck:
            health.validate(healthcheck)
            config["Healthcheck"] = healthcheck  # omitted when unset, as dockerd's omitempty
        if image_cfg.get("StopSignal") and not config.get("StopSignal"):
            config["StopSignal"] = image_cfg["StopSignal"]
        if config.get("WorkingDir") and not config["WorkingDir"].startswith("/"):
            raise InvalidArgument(f"the working directory '{config['WorkingDir']}' is invalid, it needs to be an absolute path")
        hc = dict(HOST_CONFIG_DEFAULTS)
        hc.update({k: v for k, v in hc_in.items() if v is not None or k in ("PidsLimit", "MemorySwappiness")})
        hc["Runtime"] = hc_in.get("Runtime") or self.runtime
        log_config = hc.get("LogConfig") or {}
        hc["LogConfig"] = {"Type": log_config.get("Type") or "json-file", "Config": log_config.get("Config") or {}}
        logdriver.validate(hc["LogConfig"])
        if not hc.get("ShmSize"):
            hc["ShmSize"] = 67108864
        if hc.get("Memory") and not hc.get("MemorySwap"):
            hc["MemorySwap"] = 2 * int(hc["Memory"])  # what dockerd reports for MemorySwap 0
        if hc.get("PidsLimit") is not None and int(hc["PidsLimit"]) <= 0:
            hc["PidsLimit"] = None  # 0 and any negative value mean unlimited, as dockerd reads them
        for key in ("CapAdd", "CapDrop"):
            if hc.get(key):
                hc[key] = normalize_capabilities(key, hc[key])
        if hc.get("MemorySwappiness") == -1:
            hc["MemorySwappiness"] = None
        if not hc.get("IpcMode"):
            hc["IpcMode"] = "private"
        if not hc.get("CgroupnsMode"):
            hc["CgroupnsMode"] = "host"
        validate_host_config(hc)
        joins.check(hc)
        networks = self.initial_networks(hc.get("NetworkMode") or "default", networking)
        warnings = discard_unsupported(hc)
        # `-v /data` arrives as Config.Volumes, like an image's VOLUME: both are anonymous volumes.
        points = mnt.collect(hc, {**(image_cfg.get("Volumes") or {}), **(config.get("Volumes") or {})},
                             self._volumes_from(hc.get("VolumesFrom") or []))
        cid = secrets.token_hex(32)
        cname = names.validate(name) if name else names.generate(self.containers.names())
        if not config.get("Hostname"):
            # With the host's network the container sees the host's name too (cf. daemon/container.go).
            config["Hostname"] = socket.gethostname() if hc.get("NetworkMode") == "host" else cid[:12]
        from . import links

        links.register(self.containers, cname, hc)  # legacy --link: checked now, resolved at each start
        c = Container(cid, cname, config, hc, image.id, argv[0], argv[1:])
        c.runtime = hc["Runtime"]
        c.network_settings = {"Networks": networks}
        self.containers.reserve(c)  # 409 on a name in use, before anything is made on disk
        self.tasks.new_id(cid)
        try:
            rootfs = self.images.prepare_rootfs(cid, image)
            c.mount_points = self._resolve_mounts(points, rootfs)
            c.save()
        except BaseException:
            self.containers.delete(c)
            try:
                self.images.release_rootfs(cid)
            except Exception:  # noqa: BLE001 - best effort; the original error matters
                pass
            from ..linux.removeall import remove_all_quietly

            remove_all_quietly(c.dir)
            raise
        self.emit(c, "create")
        return {"Id": cid, "Warnings": warnings}

    def _volumes_from(self, specs: list[str]) -> list[dict[str, Any]]:
        """--volumes-from container[:ro|rw]: that container's mount points (cf. daemon/volumes.go registerMountPoints)."""
        out: list[dict[str, Any]] = []
        for spec in specs:
            ref, writable = mnt.parse_volumes_from(spec)
            try:
                other = self.containers.get(ref)
            except NotFound as err:
                raise InvalidArgument(str(err)) from None  # dockerd: an invalid parameter, not a 404
            out += mnt.shared_points(other.mount_points, writable)
        return out

    def _resolve_mounts(self, points: list[dict[str, Any]], rootfs: list[Any]) -> list[dict[str, Any]]:
        """Create named and anonymous volumes, make missing bind sources, seed new volumes from the image."""
        from pathlib import Path

        from .containers.spec import rootfs_dirs

        out = []
        for p in points:
            p = dict(p)
            if p["Type"] == "volume":
                existed = bool(p.get("Name")) and self._volume_exists(p["Name"])
                v = self.volumes.create(p.get("Name") or "", anonymous=not p.get("Name"))
                p["Name"], p["Source"] = v["Name"], v["Mountpoint"]
                if not existed and not p.get("_nocopy"):
                    mnt.copy_image_content(Path(v["Mountpoint"]), rootfs_dirs(rootfs), p["Destination"])
            elif p["Type"] == "bind" and not os.path.exists(p["Source"]):
                os.makedirs(p["Source"], exist_ok=True)  # -v creates a missing host directory
            out.append(p)
        return out

    def _volume_exists(self, name: str) -> bool:
        try:
            self.volumes.get(name)
            return True
        except NotFound:
            return False
