"""A rootfs mount as a snapshotter returns it: what to hand to mount(2) (cf. containerd core/mount/mount.go).

Not the runtime-spec Mount (which has a destination inside the container): this one says how to
build the container's root filesystem itself, e.g. an overlay with lowerdir/upperdir/workdir options,
or a bind mount of a single directory. `minidocker.linux.mountall.mount_all` performs a list of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Mount:
    """type ("overlay", "bind"), source (a path, or "overlay"), options ("ro", "rbind", "lowerdir=...")."""

    type: str
    source: str
    options: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape used on the wire and in state files (the proto's field names)."""
        return {"type": self.type, "source": self.source, "options": list(self.options)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Mount":
        """Accepts the proto's lower-case names and containerd's Go JSON (Type, Source, Options)."""
        get = lambda k: data.get(k, data.get(k.capitalize()))  # noqa: E731
        return cls(type=get("type") or "", source=get("source") or "", options=list(get("options") or []))

    def option(self, name: str) -> str | None:
        """The value of a `name=value` option (e.g. "upperdir"), or None when absent."""
        prefix = name + "="
        for opt in self.options:
            if opt.startswith(prefix):
                return opt[len(prefix):]
        return None

    @property
    def readonly(self) -> bool:
        return "ro" in self.options


def mounts_to_list(mounts: list[Mount]) -> list[dict[str, Any]]:
    return [m.to_dict() for m in mounts]


def mounts_from_list(items: list[dict[str, Any]]) -> list[Mount]:
    return [Mount.from_dict(i) for i in items]
