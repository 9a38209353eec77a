"""Log drivers: json-file (the default), local and none, checked at create as dockerd does (cf. moby daemon/logger/factory.go ValidateLogOpts, jsonfilelog.ValidateLogOpt, local.ValidateLogOpt).

The shim writes the log; dockerd only says where. json-file writes <id>-json.log (inspect's LogPath);
local keeps its file under local-logs/ and, as in Docker, hides it from inspect (its format is not an
API; minidocker writes the same JSON lines there). none writes nothing, and `logs` is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import InvalidArgument, Unsupported

SUPPORTED = ("json-file", "local", "none")
# Drivers dockerd 20.10 has registered but minidocker has no sink for: refused with 501, never ignored.
REGISTERED_ELSEWHERE = ("awslogs", "fluentd", "gcplogs", "gelf", "journald", "logentries", "splunk", "syslog")
JSON_FILE_OPTS = {"max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag"}
LOCAL_OPTS = {"max-file", "max-size", "compress"}
ROTATION_OPTS = ("max-size", "max-file")  # minidocker's logs never rotate (yet)
NOT_SUPPORTED_READING = "configured logging driver does not support reading"


def validate(log_config: dict[str, Any]) -> None:
    """ValidateLogOpts: mode, driver, then the driver's own options, with dockerd's words (400)."""
    name = log_config.get("Type") or "json-file"
    opts = log_config.get("Config") or {}
    if name == "none":
        return
    if opts.get("mode", "") not in ("", "blocking", "non-blocking"):
        raise InvalidArgument(f"logger: logging mode not supported: {opts['mode']}")
    if opts.get("max-buffer-size") is not None and opts.get("mode") != "non-blocking":
        raise InvalidArgument("logger: max-buffer-size option is only supported with 'mode=non-blocking'")
    if name not in SUPPORTED + REGISTERED_ELSEWHERE:
        # not built in: dockerd looks for a logging plugin by that name (driverRegistered) and fails there
        raise InvalidArgument(f'error looking up logging plugin {name}: plugin "{name}" not found')
    allowed = JSON_FILE_OPTS if name == "json-file" else LOCAL_OPTS if name == "local" else None
    for key in opts:
        if key in ("mode", "max-buffer-size"):
            continue
        if allowed is not None and key not in allowed:
            where = "json-file log driver" if name == "json-file" else f"log driver {name}"
            raise InvalidArgument(f"unknown log opt '{key}' for {where}")
    if name in REGISTERED_ELSEWHERE:
        raise Unsupported(f"logging driver {name!r} is not supported by minidocker (json-file, local and none are)")
    for key in ROTATION_OPTS:
        if key in opts:
            raise Unsupported(f"log opt '{key}' is not supported by minidocker: its logs do not rotate")


def log_file(container_dir: Path, cid: str, host_config: dict[str, Any]) -> Path | None:
    """Where the shim writes the container's output; None for the none driver."""
    name = (host_config.get("LogConfig") or {}).get("Type") or "json-file"
    if name == "none":
        return None
    if name == "local":
        return container_dir / "local-logs" / "container.log"
    return container_dir / f"{cid}-json.log"


def inspect_path(container_dir: Path, cid: str, host_config: dict[str, Any]) -> str:
    """inspect's LogPath: json-file's file only (dockerd never shows local's)."""
    name = (host_config.get("LogConfig") or {}).get("Type") or "json-file"
    return str(container_dir / f"{cid}-json.log") if name == "json-file" else ""
