"""--log / --log-format: runc's logrus lines, text or JSON, which containerd's shim reads back on failure
(cf. runc main.go configLogrus, containerd pkg/process getLastRuntimeError)."""

from __future__ import annotations

import os
import sys
import time


class Log:
    def __init__(self, path: str | None, fmt: str = "text", debug: bool = False) -> None:
        self.path = path
        self.fmt = fmt
        self.debug_on = debug

    def _line(self, level: str, message: str) -> str:
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if self.fmt == "json":
            import json

            return json.dumps({"level": level, "msg": message, "time": now}, separators=(",", ":"))
        return f'time="{now}" level={level} msg="{message}"'

    def _file(self, level: str, message: str) -> None:
        if self.path:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                os.write(fd, (self._line(level, message) + "\n").encode())
            finally:
                os.close(fd)

    def error(self, message: str) -> None:
        """Both places, as runc's fatal(): the log for the shim, stderr for a human."""
        self._file("error", message)
        print(f"minirunc: {message}", file=sys.stderr)

    def warn(self, message: str) -> None:
        if self.path:
            self._file("warning", message)
        else:
            print(f"minirunc: warning: {message}", file=sys.stderr)

    def debug(self, message: str) -> None:
        if self.debug_on:
            self._file("debug", message) if self.path else print(f"minirunc: debug: {message}", file=sys.stderr)
