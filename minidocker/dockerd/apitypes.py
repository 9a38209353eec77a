"""Request bodies and saved records checked against the Go types dockerd decodes them into (cf. moby api/types, encoding/json).

dockerd unmarshals every JSON body into a typed Go struct first: `{"Labels": [1]}` never reaches the
daemon, it fails with "json: cannot unmarshal array into Go struct field ContainerConfigWrapper.Labels
of type map[string]string". Handlers here take plain dicts, so without this layer a wrong type slipped
through and was saved (a container record whose Labels was a list broke `ps` for every client). One
table per body, in moby's field names and types; Go's rules: unknown fields are ignored, field names
match case-insensitively, null is every type's zero value, integers must be whole and in range.
dockerd 20.10 answers these with 500; moby answers 400 since (it is the client's fault), and so do we.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidArgument


class GoType:
    """A Go type: its name in error messages and a check of one decoded JSON value."""

    def __init__(self, name: str) -> None:
        self.name = name

    def check(self, value: Any, path: str, struct: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class Scalar(GoType):
    _RANGES = {"int": (-(1 << 63), (1 << 63) - 1), "int64": (-(1 << 63), (1 << 63) - 1),
               "uint16": (0, (1 << 16) - 1), "uint32": (0, (1 << 32) - 1), "uint64": (0, (1 << 64) - 1),
               "int32": (-(1 << 31), (1 << 31) - 1), "uint": (0, (1 << 64) - 1)}

    def check(self, value: Any, path: str, struct: str) -> None:
        if value is None:
            return
        if self.name == "string":
            ok = isinstance(value, str)
        elif self.name == "bool":
            ok = isinstance(value, bool)
        elif self.name == "float64":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        else:
            lo, hi = self._RANGES[self.name]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if not (isinstance(value, int) and lo <= value <= hi):
                    _fail(f"number {value}", self, path, struct)
                return
            ok = False
        if not ok:
            _fail(json_kind(value), self, path, struct)


class Any_(GoType):
    def check(self, value: Any, path: str, struct: str) -> None:
        return


class Empty(GoType):
    """struct{}: the values of a set such as ExposedPorts (any object, its fields ignored)."""

    def check(self, value: Any, path: str, struct: str) -> None:
        if value is not None and not isinstance(value, dict):
            _fail(json_kind(value), self, path, struct)


class StrSlice(GoType):
    """strslice.StrSlice: a string or a list of strings (Cmd, Entrypoint, Shell, CapAdd)."""

    def check(self, value: Any, path: str, struct: str) -> None:
        if value is None or isinstance(value, str):
            return
        if not isinstance(value, list):
            _fail(json_kind(value), GoType("string"), "", "")
        for item in value:
            if item is not None and not isinstance(item, str):
                _fail(json_kind(item), GoType("string"), "", "")


class List(GoType):
    def __init__(self, item: GoType) -> None:
        super().__init__("[]" + item.name)
        self.item = item

    def check(self, value: Any, path: str, struct: str) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            _fail(json_kind(value), self, path, struct)
        for item in value:
            self.item.check(item, path, struct)


class Map(GoType):
    def __init__(self, value: GoType) -> None:
        super().__init__("map[string]" + value.name)
        self.value = value

    def check(self, value: Any, path: str, struct: str) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            _fail(json_kind(value), self, path, struct)
        for item in value.values():
            self.value.check(item, path, struct)


class Struct(GoType):
    def __init__(self, name: str, fields: dict[str, GoType], *embedded: "Struct") -> None:
        super().__init__(name)
        self.fields = dict(fields)
        for e in embedded:  # Go promotes an embedded struct's fields (Config in the create body)
            self.fields.update(e.fields)
        self._folded = {k.lower(): t for k, t in self.fields.items()}

    def check(self, value: Any, path: str, struct: str) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            if not path:
                raise InvalidArgument(f"json: cannot unmarshal {json_kind(value)} into Go value of type {self.name}")
            _fail(json_kind(value), self, path, struct)
        own = self.name.rpartition(".")[2]
        for key, item in value.items():
            t = self.fields.get(key) or self._folded.get(key.lower())
            if t is not None:
                t.check(item, f"{path}.{key}" if path else key, own)


def json_kind(value: Any) -> str:
    """encoding/json's name for the kind of a decoded JSON value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _fail(kind: str, t: GoType, path: str, struct: str) -> None:
    where = f"Go struct field {struct}.{path}" if path else "Go value"
    raise InvalidArgument(f"json: cannot unmarshal {kind} into {where} of type {t.name}")


STRING, BOOL, INT, INT64 = Scalar("string"), Scalar("bool"), Scalar("int"), Scalar("int64")
UINT16, UINT32, UINT64 = Scalar("uint16"), Scalar("uint32"), Scalar("uint64")
STRINGS, LABELS = List(STRING), Map(STRING)

HEALTH = Struct("container.HealthConfig", {"Test": STRINGS, "Interval": INT64, "Timeout": INT64,
                                           "StartPeriod": INT64, "Retries": INT})
CONFIG = Struct("container.Config", {
    "Hostname": STRING, "Domainname": STRING, "User": STRING, "AttachStdin": BOOL, "AttachStdout": BOOL,
    "AttachStderr": BOOL, "ExposedPorts": Map(Empty("struct {}")), "Tty": BOOL, "OpenStdin": BOOL,
    "StdinOnce": BOOL, "Env": STRINGS, "Cmd": StrSlice("strslice.StrSlice"), "Healthcheck": HEALTH,
    "ArgsEscaped": BOOL, "Image": STRING, "Volumes": Map(Empty("struct {}")), "WorkingDir": STRING,
    "Entrypoint": StrSlice("strslice.StrSlice"), "NetworkDisabled": BOOL, "MacAddress": STRING,
    "OnBuild": STRINGS, "Labels": LABELS, "StopSignal": STRING, "StopTimeout": INT,
    "Shell": StrSlice("strslice.StrSlice")})

_THROTTLE = List(Struct("blkiodev.ThrottleDevice", {"Path": STRING, "Rate": UINT64}))
RESOURCES = Struct("container.Resources", {
    "CpuShares": INT64, "Memory": INT64, "NanoCpus": INT64, "CgroupParent": STRING, "BlkioWeight": UINT16,
    "BlkioWeightDevice": List(Struct("blkiodev.WeightDevice", {"Path": STRING, "Weight": UINT16})),
    "BlkioDeviceReadBps": _THROTTLE, "BlkioDeviceWriteBps": _THROTTLE, "BlkioDeviceReadIOps": _THROTTLE,
    "BlkioDeviceWriteIOps": _THROTTLE, "CpuPeriod": INT64, "CpuQuota": INT64, "CpuRealtimePeriod": INT64,
    "CpuRealtimeRuntime": INT64, "CpusetCpus": STRING, "CpusetMems": STRING,
    "Devices": List(Struct("container.DeviceMapping", {"PathOnHost": STRING, "PathInContainer": STRING,
                                                        "CgroupPermissions": STRING})),
    "DeviceCgroupRules": STRINGS,
    "DeviceRequests": List(Struct("container.DeviceRequest", {"Driver": STRING, "Count": INT, "DeviceIDs": STRINGS,
                                                              "Capabilities": List(STRINGS), "Options": LABELS})),
    "KernelMemory": INT64, "KernelMemoryTCP": INT64, "MemoryReservation": INT64, "MemorySwap": INT64,
    "MemorySwappiness": INT64, "OomKillDisable": BOOL, "PidsLimit": INT64,
    "Ulimits": List(Struct("units.Ulimit", {"Name": STRING, "Hard": INT64, "Soft": INT64})),
    "CpuCount": INT64, "CpuPercent": INT64, "IOMaximumIOps": UINT64, "IOMaximumBandwidth": UINT64})
RESTART_POLICY = Struct("container.RestartPolicy", {"Name": STRING, "MaximumRetryCount": INT})
MOUNT = Struct("mount.Mount", {
    "Type": STRING, "Source": STRING, "Target": STRING, "ReadOnly": BOOL, "Consistency": STRING,
    "BindOptions": Struct("mount.BindOptions", {"Propagation": STRING, "NonRecursive": BOOL}),
    "VolumeOptions": Struct("mount.VolumeOptions", {
        "NoCopy": BOOL, "Labels": LABELS,
        "DriverConfig": Struct("mount.Driver", {"Name": STRING, "Options": LABELS})}),
    "TmpfsOptions": Struct("mount.TmpfsOptions", {"SizeBytes": INT64, "Mode": UINT32})})
HOST_CONFIG = Struct("container.HostConfig", {
    "Binds": STRINGS, "ContainerIDFile": STRING,
    "LogConfig": Struct("container.LogConfig", {"Type": STRING, "Config": LABELS}),
    "NetworkMode": STRING, "PortBindings": Map(List(Struct("nat.PortBinding", {"HostIp": STRING, "HostPort": STRING}))),
    "RestartPolicy": RESTART_POLICY, "AutoRemove": BOOL, "VolumeDriver": STRING, "VolumesFrom": STRINGS,
    "CapAdd": StrSlice("strslice.StrSlice"), "CapDrop": StrSlice("strslice.StrSlice"), "CgroupnsMode": STRING,
    "Dns": STRINGS, "DnsOptions": STRINGS, "DnsSearch": STRINGS, "ExtraHosts": STRINGS, "GroupAdd": STRINGS,
    "IpcMode": STRING, "Cgroup": STRING, "Links": STRINGS, "OomScoreAdj": INT, "PidMode": STRING,
    "Privileged": BOOL, "PublishAllPorts": BOOL, "ReadonlyRootfs": BOOL, "SecurityOpt": STRINGS,
    "StorageOpt": LABELS, "Tmpfs": LABELS, "UTSMode": STRING, "UsernsMode": STRING, "ShmSize": INT64,
    "Sysctls": LABELS, "Runtime": STRING, "ConsoleSize": List(Scalar("uint")), "Isolation": STRING,
    "Mounts": List(MOUNT), "MaskedPaths": STRINGS, "ReadonlyPaths": STRINGS, "Init": BOOL}, RESOURCES)
ENDPOINT = Struct("network.EndpointSettings", {
    "IPAMConfig": Struct("network.EndpointIPAMConfig", {"IPv4Address": STRING, "IPv6Address": STRING,
                                                        "LinkLocalIPs": STRINGS}),
    "Links": STRINGS, "Aliases": STRINGS, "NetworkID": STRING, "EndpointID": STRING, "Gateway": STRING,
    "IPAddress": STRING, "IPPrefixLen": INT, "IPv6Gateway": STRING, "GlobalIPv6Address": STRING,
    "GlobalIPv6PrefixLen": INT, "MacAddress": STRING, "DriverOpts": LABELS})
NETWORKING = Struct("network.NetworkingConfig", {"EndpointsConfig": Map(ENDPOINT)})

CONTAINER_CREATE = Struct("runconfig.ContainerConfigWrapper",
                          {"HostConfig": HOST_CONFIG, "NetworkingConfig": NETWORKING}, CONFIG)
CONTAINER_UPDATE = Struct("container.UpdateConfig", {"RestartPolicy": RESTART_POLICY}, RESOURCES)
EXEC_CREATE = Struct("types.ExecConfig", {
    "User": STRING, "Privileged": BOOL, "Tty": BOOL, "AttachStdin": BOOL, "AttachStderr": BOOL,
    "AttachStdout": BOOL, "Detach": BOOL, "DetachKeys": STRING, "Env": STRINGS, "WorkingDir": STRING,
    "Cmd": STRINGS})
EXEC_START = Struct("types.ExecStartCheck", {"Detach": BOOL, "Tty": BOOL})
IPAM = Struct("network.IPAM", {"Driver": STRING, "Options": LABELS, "Config": List(Struct("network.IPAMConfig", {
    "Subnet": STRING, "IPRange": STRING, "Gateway": STRING, "AuxiliaryAddresses": LABELS}))})
NETWORK_CREATE = Struct("types.NetworkCreateRequest", {
    "Name": STRING, "CheckDuplicate": BOOL, "Driver": STRING, "Scope": STRING, "EnableIPv6": BOOL, "IPAM": IPAM,
    "Internal": BOOL, "Attachable": BOOL, "Ingress": BOOL, "ConfigOnly": BOOL,
    "ConfigFrom": Struct("network.ConfigReference", {"Network": STRING}), "Options": LABELS, "Labels": LABELS})
NETWORK_CONNECT = Struct("types.NetworkConnect", {"Container": STRING, "EndpointConfig": ENDPOINT})
NETWORK_DISCONNECT = Struct("types.NetworkDisconnect", {"Container": STRING, "Force": BOOL})
VOLUME_CREATE = Struct("volume.VolumeCreateBody", {"Name": STRING, "Driver": STRING, "DriverOpts": LABELS,
                                                   "Labels": LABELS})
AUTH = Struct("types.AuthConfig", {"username": STRING, "password": STRING, "auth": STRING, "email": STRING,
                                   "serveraddress": STRING, "identitytoken": STRING, "registrytoken": STRING})


def check(body: Any, t: Struct) -> Any:
    """Raise InvalidArgument (400) in encoding/json's words unless body decodes into t; return it unchanged."""
    t.check(body, "", t.name)
    return body
