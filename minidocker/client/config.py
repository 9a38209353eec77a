"""The body of POST /containers/create, shaped as the docker CLI sends it (cf. docker/cli cli/command/container/opts.go).

The docker CLI always sends the whole Config + HostConfig + NetworkingConfig with its zero values;
we do the same so that the daemon sees one request shape whether it comes from this client or docker.
Parsing flag text into fields happens here; checking that the values make sense is dockerd's job.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any, Iterable

_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}


def ram_in_bytes(text: str) -> int:
    """go-units RAMInBytes: "64m", "1.5g", "512k", "100" (binary multiples, case-insensitive)."""
    import re

    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kmgtpKMGTP]?)[iI]?[bB]?\s*", text)
    if not match:
        raise ValueError(f"invalid size: '{text}'")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def nano_cpus(text: str) -> int:
    """--cpus 1.5 -> NanoCpus 1500000000."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f'invalid argument "{text}" for "--cpus" flag: failed to parse {text} as a rational number') from None
    return int(round(value * 1e9))


def restart_policy(text: str) -> dict[str, Any]:
    """--restart "on-failure:3" -> {"Name": "on-failure", "MaximumRetryCount": 3} (cf. docker/cli opts ParseRestartPolicy)."""
    name, colon, count = text.partition(":")
    if colon and not name:
        raise ValueError("invalid restart policy format: no policy provided before colon")
    try:
        retries = int(count) if count else 0
    except ValueError:
        raise ValueError("invalid restart policy format: maximum retry count must be an integer") from None
    return {"Name": name, "MaximumRetryCount": retries}


def log_opts(driver: str, opts: list[str]) -> dict[str, str]:
    """--log-opt key=value, repeated (a bare key has the value ""); none takes no options (cf. docker/cli
    parseLoggingOpts); dockerd checks the rest."""
    if driver == "none" and opts:
        raise ValueError(f"invalid logging opts for driver {driver}")
    return {key: value for key, _, value in (opt.partition("=") for opt in opts)}


def parse_port(spec: str) -> tuple[str, dict[str, str]]:
    """One -p spec: [ip:][hostPort:]containerPort[/proto] -> ("80/tcp", {"HostIp":..,"HostPort":..})."""
    proto = "tcp"
    if "/" in spec:
        spec, proto = spec.rsplit("/", 1)
    ip = host_port = ""
    if spec.startswith("["):  # [::1]:8080:80
        end = spec.index("]")
        ip, spec = spec[1:end], spec[end + 2:]
        host_port, _, container = spec.rpartition(":")
    else:
        parts = spec.split(":")
        if len(parts) == 1:
            container = parts[0]
        elif len(parts) == 2:
            host_port, container = parts
        elif len(parts) == 3:
            ip, host_port, container = parts
        else:
            raise ValueError(f"invalid port format: {spec!r}")
    import re

    if not container or not re.fullmatch(r"[0-9]+(-[0-9]+)?", container):
        raise ValueError(f"invalid containerPort: {container}")
    return f"{container}/{proto}", {"HostIp": ip, "HostPort": host_port}


def parse_env(items: Iterable[str], env_files: Iterable[str] = ()) -> list[str]:
    """-e K=V / -e K (taken from our environment when set) and --env-file lines, in docker's order."""
    import os

    out: list[str] = []
    for path in env_files:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line and not line.startswith("#"):
                    out.append(line)
    for item in items:
        out.append(item)
    resolved = []
    for item in out:
        if "=" in item:
            resolved.append(item)
        elif item in os.environ:
            resolved.append(f"{item}={os.environ[item]}")
    return resolved


def parse_labels(items: Iterable[str]) -> dict[str, str]:
    labels = {}
    for item in items:
        key, _, value = item.partition("=")
        labels[key] = value
    return labels


def normalize_cap(cap: str) -> str:
    """--cap-add net_admin -> CAP_NET_ADMIN; ALL stays ALL (cf. opts.go normalizeCapabilities)."""
    cap = cap.upper()
    return cap if cap == "ALL" or cap.startswith("CAP_") else "CAP_" + cap


def host_config(**fields: Any) -> dict[str, Any]:
    """A full HostConfig with docker's zero values, updated with `fields`."""
    hc: dict[str, Any] = {
        "Binds": None, "ContainerIDFile": "", "LogConfig": {"Type": "", "Config": {}}, "NetworkMode": "default",
        "PortBindings": {}, "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0}, "AutoRemove": False,
        "VolumeDriver": "", "VolumesFrom": None, "ConsoleSize": [0, 0], "CapAdd": None, "CapDrop": None,
        "CgroupnsMode": "", "Dns": [], "DnsOptions": [], "DnsSearch": [], "ExtraHosts": None, "GroupAdd": None,
        "IpcMode": "", "Cgroup": "", "Links": None, "OomScoreAdj": 0, "PidMode": "", "Privileged": False,
        "PublishAllPorts": False, "ReadonlyRootfs": False, "SecurityOpt": None, "UTSMode": "", "UsernsMode": "",
        "ShmSize": 0, "Isolation": "", "CpuShares": 0, "Memory": 0, "NanoCpus": 0, "CgroupParent": "",
        "BlkioWeight": 0, "BlkioWeightDevice": [], "BlkioDeviceReadBps": [], "BlkioDeviceWriteBps": [],
        "BlkioDeviceReadIOps": [], "BlkioDeviceWriteIOps": [], "CpuPeriod": 0, "CpuQuota": 0,
        "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0, "CpusetCpus": "", "CpusetMems": "", "Devices": [],
        "DeviceCgroupRules": None, "DeviceRequests": None, "MemoryReservation": 0, "MemorySwap": 0,
        "MemorySwappiness": -1, "OomKillDisable": False, "PidsLimit": 0, "Ulimits": [], "CpuCount": 0,
        "CpuPercent": 0, "IOMaximumIOps": 0, "IOMaximumBandwidth": 0, "MaskedPaths": None, "ReadonlyPaths": None,
    }
    hc.update(fields)
    return hc


def endpoint_config() -> dict[str, Any]:
    """The empty endpoint settings the CLI sends for the network it attaches to."""
    return {"IPAMConfig": None, "Links": None, "Aliases": None, "MacAddress": "", "DriverOpts": None,
            "GwPriority": 0, "NetworkID": "", "EndpointID": "", "Gateway": "", "IPAddress": "", "IPPrefixLen": 0,
            "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "DNSNames": None}


def create_body(image: str, cmd: list[str] | None = None, hostconfig: dict[str, Any] | None = None,
                **fields: Any) -> dict[str, Any]:
    """The whole create body: Config fields (Hostname, Env, Cmd, ...) + HostConfig + NetworkingConfig."""
    body: dict[str, Any] = {
        "Hostname": "", "Domainname": "", "User": "", "AttachStdin": False, "AttachStdout": False,
        "AttachStderr": False, "Tty": False, "OpenStdin": False, "StdinOnce": False, "Env": None,
        "Cmd": list(cmd) if cmd else None, "Image": image, "Volumes": {}, "WorkingDir": "", "Entrypoint": None,
        "OnBuild": None, "Labels": {},
    }
    body.update(fields)
    hc = hostconfig if hostconfig is not None else host_config()
    body["HostConfig"] = hc
    mode = hc.get("NetworkMode") or "default"
    endpoints = {} if mode in ("none", "host") or mode.startswith("container:") else {mode: endpoint_config()}
    body["NetworkingConfig"] = {"EndpointsConfig": endpoints}
    return body


def parse_mount(spec: str) -> dict[str, Any]:
    """--mount type=bind,source=/h,target=/c,readonly -> a HostConfig.Mounts entry (cf. docker/cli opts/mount.go)."""
    import csv

    mount: dict[str, Any] = {"Type": "volume"}
    fields = next(csv.reader([spec])) if spec else []
    for field in fields:
        key, sep, value = field.partition("=")
        key = key.strip().lower()
        if key in ("readonly", "ro"):
            if sep and value.lower() not in ("1", "true", "0", "false"):
                raise ValueError(f"invalid value for {key}: {value}")
            mount["ReadOnly"] = not sep or value.lower() in ("1", "true")
            continue
        if not sep:
            raise ValueError(f"invalid field '{field}' must be a key=value pair")
        if key == "type":
            mount["Type"] = value
        elif key in ("source", "src"):
            mount["Source"] = value
        elif key in ("target", "dst", "destination"):
            mount["Target"] = value
        elif key == "bind-propagation":
            mount.setdefault("BindOptions", {})["Propagation"] = value
        elif key == "volume-nocopy":
            mount.setdefault("VolumeOptions", {})["NoCopy"] = value.lower() in ("", "1", "true")
        elif key == "volume-driver":
            mount.setdefault("VolumeOptions", {}).setdefault("DriverConfig", {})["Name"] = value
        elif key == "volume-label":
            k, _, v = value.partition("=")
            mount.setdefault("VolumeOptions", {}).setdefault("Labels", {})[k] = v
        elif key == "tmpfs-size":
            mount.setdefault("TmpfsOptions", {})["SizeBytes"] = ram_in_bytes(value)
        elif key == "tmpfs-mode":
            mount.setdefault("TmpfsOptions", {})["Mode"] = int(value, 8)
        elif key == "consistency":
            mount["Consistency"] = value
        else:
            raise ValueError(f"unexpected key '{key}' in '{field}'")
    if "Target" not in mount:
        raise ValueError("target is required")
    return mount


def parse_tmpfs(spec: str) -> tuple[str, str]:
    """--tmpfs /run:rw,size=64m -> ("/run", "rw,size=64m")."""
    path, _, opts = spec.partition(":")
    return path, opts
