"""Runtime-spec data types and the typed loading of config.json (cf. opencontainers/runtime-spec specs-go/config.go).

Unknown properties are ignored, as the spec's Extensibility section requires (config.md: runtimes
"MUST ignore unknown properties"); Spec.ignored names them for a debug log. A field this runtime knows
but does not implement, and an unknown VALUE of a known field, are refused with a message naming it
("unsupported field linux.intelRdt"), never silently ignored. A few fields that Docker and containerd
always write are accepted with a documented stance (see ACCEPTED_UNENFORCED).
Plain classes with __slots__ rather than dataclasses: this module is imported on every `minirunc run`,
and dataclasses costs ~10 ms of imports.
"""

from __future__ import annotations


from .. import jsonfast
from ..errors import InvalidArgument, Unsupported

VERSION = "1.0.2-dev"

# Fields accepted but not enforced, and why (printed as a warning when a config sets them).
ACCEPTED_UNENFORCED = {
    "process.apparmorProfile": "AppArmor is not enabled on these kernels; runc also skips it then",
    "process.selinuxLabel": "SELinux is not enabled on these kernels; runc also skips it then",
    "linux.mountLabel": "SELinux is not enabled on these kernels",
}


# setrlimit(2)'s resources, as runc's rlimit map names them.
RLIMITS = {f"RLIMIT_{n}" for n in ("AS", "CORE", "CPU", "DATA", "FSIZE", "LOCKS", "MEMLOCK", "MSGQUEUE", "NICE",
                                     "NOFILE", "NPROC", "RSS", "RTPRIO", "RTTIME", "SIGPENDING", "STACK")}
# linux.rootfsPropagation and the propagation options of mounts (cf. runc specconv mountPropagationMapping).
PROPAGATIONS = ("private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable")


class _Obj:
    """Shared by every spec type: a readable repr and a plain-dict view for `state` and tests."""

    __slots__ = ()

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"{type(self).__name__}({body})"


_IGNORED: list[str] = []  # the unknown properties met by the Spec being loaded (see Spec.ignored)


def _check(raw: object, where: str, known: tuple[str, ...]) -> dict:
    """`raw` must be an object; keys outside `known` are noted in _IGNORED and otherwise left alone."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidArgument(f"config.json: {where or 'the document'} must be an object")
    for key in raw:
        if key not in known:
            _IGNORED.append(f"{where + '.' if where else ''}{key}")
    return raw


def _typed(value: object, kind: type | tuple, where: str, default: object = None) -> object:
    if value is None:
        return default
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise InvalidArgument(f"config.json: {where} must be of type {name}")
    return value


def _strings(value: object, where: str) -> list[str]:
    items = _typed(value, list, where, [])
    if not all(isinstance(s, str) for s in items):
        raise InvalidArgument(f"config.json: {where} must be a list of strings")
    return list(items)


def _ints(value: object, where: str) -> list[int]:
    items = _typed(value, list, where, [])
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        raise InvalidArgument(f"config.json: {where} must be a list of integers")
    return list(items)


def _empty(value: object) -> bool:
    """True for values that configure nothing ({} or [] or 0 or null, recursively): Docker writes those."""
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    if isinstance(value, list):
        return all(_empty(v) for v in value)
    return not value


class User(_Obj):
    __slots__ = ("uid", "gid", "umask", "additional_gids")

    def __init__(self, raw: object, where: str = "process.user") -> None:
        d = _check(raw, where, ("uid", "gid", "umask", "additionalGids"))
        self.uid: int = _typed(d.get("uid"), int, where + ".uid", 0)
        self.gid: int = _typed(d.get("gid"), int, where + ".gid", 0)
        self.umask: int | None = _typed(d.get("umask"), int, where + ".umask")
        self.additional_gids: list[int] = _ints(d.get("additionalGids"), where + ".additionalGids")


class Capabilities(_Obj):
    __slots__ = ("bounding", "effective", "inheritable", "permitted", "ambient")

    def __init__(self, raw: object, where: str = "process.capabilities") -> None:
        from ..linux.capabilities import NUMBER

        d = _check(raw, where, self.__slots__)
        for name in self.__slots__:
            caps = _strings(d.get(name), f"{where}.{name}")
            for cap in caps:
                if cap not in NUMBER:
                    raise InvalidArgument(f"config.json: {where}.{name}: unknown capability {cap}")
            setattr(self, name, caps)


class Rlimit(_Obj):
    __slots__ = ("type", "hard", "soft")

    def __init__(self, raw: object, where: str) -> None:
        d = _check(raw, where, self.__slots__)
        self.type: str = _typed(d.get("type"), str, where + ".type", "")
        if self.type not in RLIMITS:
            raise InvalidArgument(f"config.json: {where}.type: unknown rlimit {self.type!r}")
        self.hard: int = _typed(d.get("hard"), int, where + ".hard", 0)
        self.soft: int = _typed(d.get("soft"), int, where + ".soft", 0)


class Process(_Obj):
    __slots__ = ("terminal", "console_size", "user", "args", "env", "cwd", "capabilities", "rlimits",
                 "no_new_privileges", "oom_score_adj", "apparmor_profile", "selinux_label")
    FIELDS = ("terminal", "consoleSize", "user", "args", "env", "cwd", "capabilities", "rlimits",
              "noNewPrivileges", "oomScoreAdj", "apparmorProfile", "selinuxLabel")

    def __init__(self, raw: object, where: str = "process") -> None:
        d = _check(raw, where, self.FIELDS)
        self.terminal: bool = _typed(d.get("terminal"), bool, where + ".terminal", False)
        size = _check(d.get("consoleSize"), where + ".consoleSize", ("height", "width"))
        self.console_size: tuple[int, int] | None = (size.get("height", 0), size.get("width", 0)) if size else None
        self.user = User(d.get("user"), where + ".user")
        self.args: list[str] = _strings(d.get("args"), where + ".args")
        if not self.args:
            raise InvalidArgument(f"config.json: {where}.args must not be empty")
        self.env: list[str] = _strings(d.get("env"), where + ".env")
        self.cwd: str = _typed(d.get("cwd"), str, where + ".cwd", "/")
        if not self.cwd.startswith("/"):
            raise InvalidArgument(f"config.json: {where}.cwd must be an absolute path")
        caps = d.get("capabilities")
        self.capabilities = Capabilities(caps, where + ".capabilities") if caps is not None else None
        self.rlimits = [Rlimit(r, f"{where}.rlimits[{i}]") for i, r in enumerate(_typed(d.get("rlimits"), list, where + ".rlimits", []))]
        self.no_new_privileges: bool = _typed(d.get("noNewPrivileges"), bool, where + ".noNewPrivileges", False)
        self.oom_score_adj: int | None = _typed(d.get("oomScoreAdj"), int, where + ".oomScoreAdj")
        self.apparmor_profile: str = _typed(d.get("apparmorProfile"), str, where + ".apparmorProfile", "")
        self.selinux_label: str = _typed(d.get("selinuxLabel"), str, where + ".selinuxLabel", "")


class Root(_Obj):
    __slots__ = ("path", "readonly")

    def __init__(self, raw: object) -> None:
        d = _check(raw, "root", self.__slots__)
        self.path: str = _typed(d.get("path"), str, "root.path", "")
        if not self.path:
            raise InvalidArgument("config.json: root.path is required")
        self.readonly: bool = _typed(d.get("readonly"), bool, "root.readonly", False)


class Mount(_Obj):
    __slots__ = ("destination", "type", "source", "options")

    def __init__(self, raw: object, where: str) -> None:
        d = _check(raw, where, self.__slots__)
        self.destination: str = _typed(d.get("destination"), str, where + ".destination", "")
        if not self.destination.startswith("/"):
            raise InvalidArgument(f"config.json: {where}.destination must be an absolute path")
        self.type: str = _typed(d.get("type"), str, where + ".type", "")
        self.source: str = _typed(d.get("source"), str, where + ".source", "")
        self.options: list[str] = _strings(d.get("options"), where + ".options")
        if not self.type and not ({"bind", "rbind"} & set(self.options)):
            raise InvalidArgument(f"config.json: {where}.type is required unless options has bind or rbind")


class Namespace(_Obj):
    __slots__ = ("type", "path")

    def __init__(self, raw: object, where: str) -> None:
        from ..linux.namespaces import BY_TYPE

        d = _check(raw, where, self.__slots__)
        self.type: str = _typed(d.get("type"), str, where + ".type", "")
        if self.type not in BY_TYPE:
            raise InvalidArgument(f"config.json: {where}.type: unknown namespace {self.type!r}")
        self.path: str = _typed(d.get("path"), str, where + ".path", "")


class IDMapping(_Obj):
    """One line of a user namespace's uid_map or gid_map: containerID hostID size."""

    __slots__ = ("container_id", "host_id", "size")

    def __init__(self, raw: object, where: str) -> None:
        d = _check(raw, where, ("containerID", "hostID", "size"))
        for attr, key in (("container_id", "containerID"), ("host_id", "hostID"), ("size", "size")):
            value = _typed(d.get(key), int, f"{where}.{key}")
            if value is None or not 0 <= value < 2**32 or (key == "size" and value == 0):
                raise InvalidArgument(f"config.json: {where}.{key} must be a uint32" + (" above 0" if key == "size" else ""))
            setattr(self, attr, value)

    def line(self) -> str:
        return f"{self.container_id} {self.host_id} {self.size}"


class DeviceRule(_Obj):
    """A devices-cgroup rule of linux.resources.devices: allow or deny type major:minor access."""

    __slots__ = ("allow", "type", "major", "minor", "access")

    def __init__(self, raw: object, where: str) -> None:
        d = _check(raw, where, self.__slots__)
        self.allow: bool = _typed(d.get("allow"), bool, where + ".allow", False)
        self.type: str = _typed(d.get("type"), str, where + ".type", "a")
        self.major: int | None = _typed(d.get("major"), int, where + ".major")
        self.minor: int | None = _typed(d.get("minor"), int, where + ".minor")
        self.access: str = _typed(d.get("access"), str, where + ".access", "rwm")
        if self.type not in ("a", "b", "c") or not self.access or set(self.access) - set("rwm"):
            raise InvalidArgument(f"config.json: {where}: type must be a, b or c and access a combination of r, w, m")


class Device(_Obj):
    """A device node of linux.devices, made in the container's /dev."""

    __slots__ = ("path", "type", "major", "minor", "file_mode", "uid", "gid")

    def __init__(self, raw: object, where: str) -> None:
        d = _check(raw, where, ("path", "type", "major", "minor", "fileMode", "uid", "gid"))
        self.path: str = _typed(d.get("path"), str, where + ".path", "")
        self.type: str = _typed(d.get("type"), str, where + ".type", "")
        if self.type not in ("c", "b", "u", "p") or not self.path.startswith("/dev/"):
            raise InvalidArgument(f"config.json: {where} needs a path under /dev and a type of c, b, u or p")
        self.major: int = _typed(d.get("major"), int, where + ".major", 0)
        self.minor: int = _typed(d.get("minor"), int, where + ".minor", 0)
        self.file_mode: int = _typed(d.get("fileMode"), int, where + ".fileMode", 0o666)
        self.uid: int = _typed(d.get("uid"), int, where + ".uid", 0)
        self.gid: int = _typed(d.get("gid"), int, where + ".gid", 0)


class BlockDevice(_Obj):
    """A device of linux.resources.blockIO: major:minor with a weight, a leaf weight or a rate."""

    __slots__ = ("major", "minor", "value", "leaf")

    def __init__(self, raw: object, where: str, value_key: str) -> None:
        d = _check(raw, where, ("major", "minor", value_key, "leafWeight"))
        self.major: int = _typed(d.get("major"), int, where + ".major", -1)
        self.minor: int = _typed(d.get("minor"), int, where + ".minor", -1)
        if self.major < 0 or self.minor < 0:
            raise InvalidArgument(f"config.json: {where} needs a major and a minor number")
        self.value: int | None = _typed(d.get(value_key), int, f"{where}.{value_key}")
        self.leaf: int | None = _typed(d.get("leafWeight"), int, where + ".leafWeight")

    @property
    def device(self) -> str:
        return f"{self.major}:{self.minor}"


class BlockIO(_Obj):
    """linux.resources.blockIO (config-linux.md "Block IO")."""

    __slots__ = ("weight", "leaf_weight", "weight_device", "read_bps", "write_bps", "read_iops", "write_iops")
    THROTTLES = {"throttleReadBpsDevice": "read_bps", "throttleWriteBpsDevice": "write_bps",
                 "throttleReadIOPSDevice": "read_iops", "throttleWriteIOPSDevice": "write_iops"}

    def __init__(self, raw: object, where: str) -> None:
        d = _check(raw, where, ("weight", "leafWeight", "weightDevice", *self.THROTTLES))
        self.weight: int | None = _typed(d.get("weight"), int, where + ".weight")
        self.leaf_weight: int | None = _typed(d.get("leafWeight"), int, where + ".leafWeight")
        for value, name in ((self.weight, "weight"), (self.leaf_weight, "leafWeight")):
            if value is not None and value and not 10 <= value <= 1000:
                raise InvalidArgument(f"config.json: {where}.{name} must be between 10 and 1000")
        self.weight_device = [BlockDevice(x, f"{where}.weightDevice[{i}]", "weight")
                              for i, x in enumerate(_typed(d.get("weightDevice"), list, where + ".weightDevice", []))]
        for key, attr in self.THROTTLES.items():
            items = _typed(d.get(key), list, f"{where}.{key}", [])
            setattr(self, attr, [BlockDevice(x, f"{where}.{key}[{i}]", "rate") for i, x in enumerate(items)])

    def throttles(self) -> list[tuple[str, "BlockDevice"]]:
        """(kind, device) in the spec's order of the four lists: read_bps, write_bps, read_iops, write_iops."""
        return [(kind, dev) for kind in self.THROTTLES.values() for dev in getattr(self, kind)]


class Resources(_Obj):
    __slots__ = ("memory", "memory_swap", "memory_reservation", "memory_swappiness", "oom_kill_disable",
                 "pids", "cpu_shares", "cpu_quota", "cpu_period", "cpu_rt_runtime", "cpu_rt_period",
                 "cpuset_cpus", "cpuset_mems", "devices", "block_io", "hugepage_limits", "net_classid",
                 "net_priorities", "kernel_memory", "cpu_idle", "rdma", "unified")

    def __init__(self, raw: object, where: str = "linux.resources") -> None:
        d = _check(raw, where, ("memory", "pids", "cpu", "devices", "blockIO", "hugepageLimits", "network",
                                "rdma", "unified"))
        unified = _typed(d.get("unified"), dict, where + ".unified", {})
        if not all(isinstance(v, str) for v in unified.values()):
            raise InvalidArgument(f"config.json: {where}.unified values must be strings")
        if any("/" in k for k in unified):  # runc's words
            raise InvalidArgument(f"config.json: {where}.unified: a resource must be a file name (no slashes)")
        self.unified: dict[str, str] = dict(unified)
        self.rdma: list[tuple[str, int | None, int | None]] = []  # (device, hcaHandles, hcaObjects)
        for device, limits in _typed(d.get("rdma"), dict, where + ".rdma", {}).items():
            lim = _check(limits, f"{where}.rdma.{device}", ("hcaHandles", "hcaObjects"))
            self.rdma.append((device, _typed(lim.get("hcaHandles"), int, f"{where}.rdma.{device}.hcaHandles"),
                              _typed(lim.get("hcaObjects"), int, f"{where}.rdma.{device}.hcaObjects")))
        m = _check(d.get("memory"), where + ".memory", ("limit", "reservation", "swap", "kernel", "kernelTCP",
                                                         "swappiness", "disableOOMKiller", "useHierarchy",
                                                         "checkBeforeUpdate"))
        # Accepted and ignored with runc 1.1's warning (container.create prints it): kernels deprecate them.
        self.kernel_memory: bool = any(_typed(m.get(n), int, f"{where}.memory.{n}") is not None for n in ("kernel", "kernelTCP"))
        self.memory: int | None = _typed(m.get("limit"), int, where + ".memory.limit")
        self.memory_swap: int | None = _typed(m.get("swap"), int, where + ".memory.swap")
        self.memory_reservation: int | None = _typed(m.get("reservation"), int, where + ".memory.reservation")
        self.memory_swappiness: int | None = _typed(m.get("swappiness"), int, where + ".memory.swappiness")
        self.oom_kill_disable: bool = _typed(m.get("disableOOMKiller"), bool, where + ".memory.disableOOMKiller", False)
        p = _check(d.get("pids"), where + ".pids", ("limit",))
        self.pids: int | None = _typed(p.get("limit"), int, where + ".pids.limit")
        c = _check(d.get("cpu"), where + ".cpu", ("shares", "quota", "period", "realtimeRuntime", "realtimePeriod",
                                                   "cpus", "mems", "idle"))
        self.cpu_idle: int | None = _typed(c.get("idle"), int, where + ".cpu.idle")
        self.cpu_shares: int | None = _typed(c.get("shares"), int, where + ".cpu.shares")
        self.cpu_quota: int | None = _typed(c.get("quota"), int, where + ".cpu.quota")
        self.cpu_period: int | None = _typed(c.get("period"), int, where + ".cpu.period")
        self.cpu_rt_runtime: int | None = _typed(c.get("realtimeRuntime"), int, where + ".cpu.realtimeRuntime")
        self.cpu_rt_period: int | None = _typed(c.get("realtimePeriod"), int, where + ".cpu.realtimePeriod")
        self.cpuset_cpus: str = _typed(c.get("cpus"), str, where + ".cpu.cpus", "")
        self.cpuset_mems: str = _typed(c.get("mems"), str, where + ".cpu.mems", "")
        rules = _typed(d.get("devices"), list, where + ".devices", [])
        self.devices = [DeviceRule(r, f"{where}.devices[{i}]") for i, r in enumerate(rules)]
        self.block_io = BlockIO(d.get("blockIO"), where + ".blockIO")
        self.hugepage_limits: list[tuple[str, int]] = []
        for i, h in enumerate(_typed(d.get("hugepageLimits"), list, where + ".hugepageLimits", [])):
            h = _check(h, f"{where}.hugepageLimits[{i}]", ("pageSize", "limit"))
            size = _typed(h.get("pageSize"), str, f"{where}.hugepageLimits[{i}].pageSize", "")
            if not size or not size[:-2].isdigit() or size[-2:] not in ("KB", "MB", "GB"):
                raise InvalidArgument(f"config.json: {where}.hugepageLimits[{i}].pageSize {size!r} is not like 2MB")
            self.hugepage_limits.append((size, _typed(h.get("limit"), int, f"{where}.hugepageLimits[{i}].limit", 0)))
        n = _check(d.get("network"), where + ".network", ("classID", "priorities"))
        self.net_classid: int | None = _typed(n.get("classID"), int, where + ".network.classID")
        self.net_priorities: list[tuple[str, int]] = []
        for i, x in enumerate(_typed(n.get("priorities"), list, where + ".network.priorities", [])):
            x = _check(x, f"{where}.network.priorities[{i}]", ("name", "priority"))
            self.net_priorities.append((_typed(x.get("name"), str, f"{where}.network.priorities[{i}].name", ""),
                                        _typed(x.get("priority"), int, f"{where}.network.priorities[{i}].priority", 0)))


class Linux(_Obj):
    __slots__ = ("namespaces", "resources", "cgroups_path", "masked_paths", "readonly_paths", "sysctl",
                 "devices", "seccomp", "rootfs_propagation", "mount_label", "uid_mappings", "gid_mappings",
                 "time_offsets", "personality")
    FIELDS = ("namespaces", "resources", "cgroupsPath", "maskedPaths", "readonlyPaths", "sysctl", "devices",
              "seccomp", "rootfsPropagation", "mountLabel", "uidMappings", "gidMappings", "intelRdt",
              "personality", "timeOffsets")
    CLOCKS = ("monotonic", "boottime")  # the clocks a time namespace offsets (time_namespaces(7))

    def __init__(self, raw: object) -> None:
        d = _check(raw, "linux", self.FIELDS)
        if not _empty(d.get("intelRdt")):
            raise Unsupported("config.json: unsupported field linux.intelRdt")
        persona = _check(d.get("personality"), "linux.personality", ("domain", "flags"))
        self.personality: str = _typed(persona.get("domain"), str, "linux.personality.domain", "")
        if persona and self.personality not in ("LINUX", "LINUX32"):
            raise InvalidArgument(f"config.json: linux.personality.domain: unknown execution domain {self.personality!r}")
        if _strings(persona.get("flags"), "linux.personality.flags"):  # the spec defines none yet
            raise InvalidArgument("config.json: linux.personality.flags: no flag values are defined")
        spaces = _typed(d.get("namespaces"), list, "linux.namespaces", [])
        self.namespaces = [Namespace(n, f"linux.namespaces[{i}]") for i, n in enumerate(spaces)]
        kinds = [n.type for n in self.namespaces]
        if len(set(kinds)) != len(kinds):
            raise InvalidArgument("config.json: linux.namespaces lists a namespace type twice")
        self.uid_mappings = [IDMapping(x, f"linux.uidMappings[{i}]")
                             for i, x in enumerate(_typed(d.get("uidMappings"), list, "linux.uidMappings", []))]
        self.gid_mappings = [IDMapping(x, f"linux.gidMappings[{i}]")
                             for i, x in enumerate(_typed(d.get("gidMappings"), list, "linux.gidMappings", []))]
        user = self.namespace("user")
        if (self.uid_mappings or self.gid_mappings) and user is None:  # runc's words
            raise InvalidArgument("config.json: user namespace mappings specified, but no user namespace in linux.namespaces")
        if user is not None and not user.path and not (self.uid_mappings and self.gid_mappings):
            raise InvalidArgument("config.json: a new user namespace needs linux.uidMappings and linux.gidMappings")
        self.time_offsets: list[tuple[str, int, int]] = []  # (clock, seconds, nanoseconds)
        for clock, value in _typed(d.get("timeOffsets"), dict, "linux.timeOffsets", {}).items():
            where = f"linux.timeOffsets.{clock}"
            if clock not in self.CLOCKS:
                raise InvalidArgument(f"config.json: {where}: a time namespace offsets only monotonic and boottime")
            v = _check(value, where, ("secs", "nanosecs"))
            nanos = _typed(v.get("nanosecs"), int, where + ".nanosecs", 0)
            if not 0 <= nanos < 10**9:
                raise InvalidArgument(f"config.json: {where}.nanosecs must be below one second")
            self.time_offsets.append((clock, _typed(v.get("secs"), int, where + ".secs", 0), nanos))
        time = self.namespace("time")
        if self.time_offsets and (time is None or time.path):
            raise InvalidArgument("config.json: linux.timeOffsets needs a new time namespace in linux.namespaces")
        self.resources = Resources(d.get("resources"))
        self.cgroups_path: str = _typed(d.get("cgroupsPath"), str, "linux.cgroupsPath", "")
        self.masked_paths: list[str] = _strings(d.get("maskedPaths"), "linux.maskedPaths")
        self.readonly_paths: list[str] = _strings(d.get("readonlyPaths"), "linux.readonlyPaths")
        sysctl = _typed(d.get("sysctl"), dict, "linux.sysctl", {})
        if not all(isinstance(v, str) for v in sysctl.values()):
            raise InvalidArgument("config.json: linux.sysctl values must be strings")
        self.sysctl: dict[str, str] = dict(sysctl)
        devices = _typed(d.get("devices"), list, "linux.devices", [])
        self.devices = [Device(x, f"linux.devices[{i}]") for i, x in enumerate(devices)]
        self.seccomp: dict | None = _typed(d.get("seccomp"), dict, "linux.seccomp")
        self.rootfs_propagation: str = _typed(d.get("rootfsPropagation"), str, "linux.rootfsPropagation", "")
        if self.rootfs_propagation and self.rootfs_propagation not in PROPAGATIONS:
            raise InvalidArgument(f"config.json: linux.rootfsPropagation: unknown propagation {self.rootfs_propagation!r}")
        self.mount_label: str = _typed(d.get("mountLabel"), str, "linux.mountLabel", "")

    def namespace(self, kind: str) -> Namespace | None:
        for ns in self.namespaces:
            if ns.type == kind:
                return ns
        return None


class Hook(_Obj):
    __slots__ = ("path", "args", "env", "timeout")

    def __init__(self, raw: object, where: str) -> None:
        d = _check(raw, where, self.__slots__)
        self.path: str = _typed(d.get("path"), str, where + ".path", "")
        if not self.path.startswith("/"):
            raise InvalidArgument(f"config.json: {where}.path must be an absolute path")
        self.args: list[str] = _strings(d.get("args"), where + ".args") or [self.path]
        self.env: list[str] = _strings(d.get("env"), where + ".env")
        self.timeout: int | None = _typed(d.get("timeout"), int, where + ".timeout")
        if self.timeout is not None and self.timeout <= 0:
            raise InvalidArgument(f"config.json: {where}.timeout must be greater than zero")


class Hooks(_Obj):
    """The six kinds of runtime-spec config.md "POSIX-platform Hooks", in lifecycle order."""

    __slots__ = ("prestart", "create_runtime", "create_container", "start_container", "poststart", "poststop")
    FIELDS = {"prestart": "prestart", "createRuntime": "create_runtime", "createContainer": "create_container",
              "startContainer": "start_container", "poststart": "poststart", "poststop": "poststop"}

    def __init__(self, raw: object) -> None:
        d = _check(raw, "hooks", tuple(self.FIELDS))
        for key, attr in self.FIELDS.items():
            hooks = _typed(d.get(key), list, "hooks." + key, [])
            setattr(self, attr, [Hook(h, f"hooks.{key}[{i}]") for i, h in enumerate(hooks)])


class Spec(_Obj):
    """config.json: the whole runtime configuration of one container (runtime-spec config.md)."""

    __slots__ = ("oci_version", "process", "root", "hostname", "domainname", "mounts", "linux", "hooks",
                 "annotations", "ignored")
    FIELDS = ("ociVersion", "process", "root", "hostname", "domainname", "mounts", "linux", "hooks", "annotations")

    def __init__(self, raw: object) -> None:
        _IGNORED.clear()
        d = _check(raw, "", self.FIELDS)
        self.oci_version: str = _typed(d.get("ociVersion"), str, "ociVersion", "")
        if not self.oci_version.startswith("1."):
            raise InvalidArgument(f"config.json: ociVersion {self.oci_version!r} is not a 1.x runtime spec")
        self.process = Process(d.get("process")) if d.get("process") is not None else None
        self.root = Root(d.get("root"))
        self.hostname: str = _typed(d.get("hostname"), str, "hostname", "")
        self.domainname: str = _typed(d.get("domainname"), str, "domainname", "")
        mounts = _typed(d.get("mounts"), list, "mounts", [])
        self.mounts = [Mount(m, f"mounts[{i}]") for i, m in enumerate(mounts)]
        self.linux = Linux(d.get("linux"))
        self.hooks = Hooks(d.get("hooks"))
        annotations = _typed(d.get("annotations"), dict, "annotations", {})
        if not all(isinstance(v, str) for v in annotations.values()):
            raise InvalidArgument("config.json: annotation values must be strings")
        self.annotations: dict[str, str] = dict(annotations)
        self.ignored: list[str] = list(_IGNORED)  # unknown properties, by path ("linux.org.example.x")
        if self.linux.namespace("mount") is None:
            # The runtime's mount namespace is inherited: a mount or a remount would change the host's
            # mount table for good (runc makes them anyway; minirunc refuses them by name).
            for name, value in (("mounts", self.mounts), ("linux.maskedPaths", self.linux.masked_paths),
                                ("linux.readonlyPaths", self.linux.readonly_paths),
                                ("root.readonly", self.root.readonly),
                                ("linux.rootfsPropagation", self.linux.rootfs_propagation)):
                if value:
                    raise InvalidArgument(f"config.json: {name} needs a mount namespace of the container's own")
        if self.hostname and self.linux.namespace("uts") is None:
            raise InvalidArgument("config.json: hostname needs a uts namespace of its own")

    def unenforced(self) -> list[str]:
        """Fields set in this config that are accepted but not enforced, with the reason (see module doc)."""
        found = []
        if self.process and self.process.apparmor_profile:
            found.append("process.apparmorProfile")
        if self.process and self.process.selinux_label:
            found.append("process.selinuxLabel")
        if self.linux.mount_label:
            found.append("linux.mountLabel")
        return [f"{name} is accepted but not enforced: {ACCEPTED_UNENFORCED[name]}" for name in found]


def load(path: str) -> Spec:
    """Read and validate a bundle's config.json: InvalidArgument or Unsupported name what is wrong."""
    return Spec(load_raw(path))


def load_raw(path: str) -> dict:
    """config.json as parsed JSON, with the same errors as load() for a missing or malformed file."""
    try:
        with open(path, "rb") as f:
            raw = jsonfast.loads(f.read())
    except FileNotFoundError:
        raise InvalidArgument(f"config.json not found: {path}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidArgument(f"config.json is not valid JSON: {e}") from None
    return raw


def load_process(path: str) -> Process:
    """Read a process.json (as `runc exec --process` takes)."""
    try:
        with open(path, "rb") as f:
            raw = jsonfast.loads(f.read())
    except FileNotFoundError:
        raise InvalidArgument(f"process file not found: {path}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidArgument(f"process file is not valid JSON: {e}") from None
    return Process(raw)
