"""The text of `minidocker info`, laid out as docker's prettyPrintInfo (cf. docker/cli cli/command/system/info.go)."""

from __future__ import annotations

from ..formatting.units import bytes_size

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only (client/__init__.py says why)
    from typing import Any


def render_info(i: dict[str, Any], debug: bool = False) -> str:
    out: list[str] = ["Client:", " Version:    0.1.0", " Context:    default", f" Debug Mode: {str(debug).lower()}",
                      "", "Server:"]
    add = out.append
    add(f" Containers: {i.get('Containers', 0)}")
    add(f"  Running: {i.get('ContainersRunning', 0)}")
    add(f"  Paused: {i.get('ContainersPaused', 0)}")
    add(f"  Stopped: {i.get('ContainersStopped', 0)}")
    add(f" Images: {i.get('Images', 0)}")
    add(f" Server Version: {i.get('ServerVersion', '')}")
    add(f" Storage Driver: {i.get('Driver', '')}")
    for pair in i.get("DriverStatus") or []:
        if len(pair) == 2:
            add(f"  {pair[0]}: {pair[1]}")
    if i.get("LoggingDriver"):
        add(f" Logging Driver: {i['LoggingDriver']}")
    if i.get("CgroupDriver"):
        add(f" Cgroup Driver: {i['CgroupDriver']}")
    if i.get("CgroupVersion"):
        add(f" Cgroup Version: {i['CgroupVersion']}")
    plugins = i.get("Plugins") or {}
    if plugins:
        add(" Plugins:")
        for kind in ("Volume", "Network", "Authorization", "Log"):
            if plugins.get(kind):
                add(f"  {kind}: {' '.join(plugins[kind])}")
    swarm = (i.get("Swarm") or {}).get("LocalNodeState")
    if swarm is not None:
        add(f" Swarm: {swarm}")
    if i.get("Runtimes"):
        add(f" Runtimes: {' '.join(sorted(i['Runtimes']))}")
    if i.get("DefaultRuntime"):
        add(f" Default Runtime: {i['DefaultRuntime']}")
    if "InitBinary" in i:
        add(f" Init Binary: {i.get('InitBinary', '')}")
    for label, key in (("containerd version", "ContainerdCommit"), ("runc version", "RuncCommit"),
                       ("init version", "InitCommit")):
        if key in i:
            add(f" {label}: {(i.get(key) or {}).get('ID', '')}")
    opts = i.get("SecurityOptions") or []
    if opts:
        add(" Security Options:")
        for opt in opts:
            fields = dict(kv.split("=", 1) for kv in opt.split(",") if "=" in kv)
            add(f"  {fields.pop('name', opt)}")
            for key, value in fields.items():
                add(f"   {key.capitalize()}: {value}")
    add(f" Kernel Version: {i.get('KernelVersion', '')}")
    add(f" Operating System: {i.get('OperatingSystem', '')}")
    add(f" OSType: {i.get('OSType', '')}")
    add(f" Architecture: {i.get('Architecture', '')}")
    add(f" CPUs: {i.get('NCPU', 0)}")
    add(f" Total Memory: {bytes_size(i.get('MemTotal', 0))}")
    add(f" Name: {i.get('Name', '')}")
    add(f" ID: {i.get('ID', '')}")
    add(f" Docker Root Dir: {i.get('DockerRootDir', '')}")
    add(f" Debug Mode: {str(i.get('Debug', False)).lower()}")
    for key, label in (("HttpProxy", "HTTP Proxy"), ("HttpsProxy", "HTTPS Proxy"), ("NoProxy", "No Proxy")):
        if i.get(key):
            add(f" {label}: {i[key]}")
    if i.get("Labels"):
        add(" Labels:")
        out.extend(f"  {label}" for label in i["Labels"])
    add(f" Experimental: {str(i.get('ExperimentalBuild', False)).lower()}")
    registry = i.get("RegistryConfig") or {}
    insecure = list(registry.get("InsecureRegistryCIDRs") or [])
    insecure += [name for name, idx in (registry.get("IndexConfigs") or {}).items() if not idx.get("Secure", True)]
    if insecure:
        add(" Insecure Registries:")
        out.extend(f"  {r}" for r in insecure)
    if registry.get("Mirrors"):
        add(" Registry Mirrors:")
        out.extend(f"  {m}" for m in registry["Mirrors"])
    add(f" Live Restore Enabled: {str(i.get('LiveRestoreEnabled', False)).lower()}")
    add("")
    text = "\n".join(out) + "\n"
    for warning in i.get("Warnings") or []:
        text += warning + "\n"
    return text
