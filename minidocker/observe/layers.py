"""Read overlay mounts and layer sizes from the live system and draw image -> layers -> lower/upper/merged (cf. overlayfs.rst, moby's overlay2 driver)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import graphviz


@dataclass
class OverlayMount:
    """One overlay mount as /proc/<pid>/mounts shows it: where it is merged and what it stacks."""

    merged: str
    lower: list[str]  # top first, as in the lowerdir= option
    upper: str | None
    work: str | None


def _unescape(field: str) -> str:
    """/proc/mounts writes space, tab, newline and backslash as octal escapes."""
    for code, ch in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, ch)
    return field


def overlay_mounts(pid: int | str = "self") -> list[OverlayMount]:
    """Every overlay mount visible in a process's mount namespace."""
    return parse_mounts(Path(f"/proc/{pid}/mounts").read_text())


def parse_mounts(text: str) -> list[OverlayMount]:
    """The overlay entries of a mounts table (fstab format: source target type options dump pass)."""
    out = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[2] != "overlay":
            continue
        opts = {}
        for opt in fields[3].split(","):
            key, _, value = opt.partition("=")
            opts[key] = _unescape(value)
        lower = [d for d in opts.get("lowerdir", "").split(":") if d]
        out.append(OverlayMount(_unescape(fields[1]), lower, opts.get("upperdir"), opts.get("workdir")))
    return out


def find_mount(merged: str | Path, pid: int | str = "self") -> OverlayMount | None:
    """The overlay mount whose merged directory is `merged`, if any."""
    merged = os.path.realpath(merged)
    for m in overlay_mounts(pid):
        if os.path.realpath(m.merged) == merged:
            return m
    return None


def disk_usage(path: str | Path) -> int:
    """Bytes of regular files under path, each inode counted once (busybox's hard links are one file)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    try:
        dev = os.stat(path).st_dev
    except OSError:
        return 0
    for dirpath, dirs, files in os.walk(path):
        # Stay on this filesystem: a container's root holds /proc and /sys mounts we must not count.
        dirs[:] = [d for d in dirs if _same_dev(os.path.join(dirpath, d), dev)]
        for name in files:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            if stat.S_ISREG(st.st_mode) and key not in seen:
                seen.add(key)
                total += st.st_size
    return total


def _same_dev(path: str, dev: int) -> bool:
    try:
        return os.lstat(path).st_dev == dev
    except OSError:
        return False


def container_mount(pid: int) -> OverlayMount | None:
    """The overlay a container's root is, seen from inside it; merged is read through /proc/<pid>/root."""
    for m in overlay_mounts(pid):
        if m.merged == "/":
            return OverlayMount(f"/proc/{pid}/root", m.lower, m.upper, m.work)
    return None


def human(n: int) -> str:
    """Bytes as Docker prints sizes (1000-based, like `docker images`)."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


def short_dir(path: str | Path) -> str:
    """A snapshot's directory by its last three parts (…/snapshots/627/fs): what differs between layers."""
    parts = Path(path).parts
    return str(path) if len(parts) <= 4 else "…/" + "/".join(parts[-3:])


def layer_graph(mount: OverlayMount, image: str | None = None, layer_names: list[str] | None = None) -> graphviz.Digraph:
    """image -> its layers (read-only lowerdirs, with sizes) and the container's upperdir -> the merged view.

    Left to right, so that the layers stand in one column, top layer first, as overlayfs stacks them (and a
    long stack grows down the page, not off its side)."""
    g = graphviz.Digraph(name="layers", graph_attr={"rankdir": "LR", "nodesep": "0.15"},
                         node_attr={"shape": "box", "style": "filled", "fontname": "Helvetica", "fontsize": "10"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    g.node("merged", f"merged (what the container sees)\n{mount.merged}\n{human(disk_usage(mount.merged))}",
           fillcolor="#bbf7d0", kind="merged")
    if mount.upper:
        g.node("upper", f"upperdir (container layer, read-write)\n{short_dir(mount.upper)}\n{human(disk_usage(mount.upper))}",
               fillcolor="#fde68a", kind="upper")
        g.edge("upper", "merged", label="  copy-on-write  ")
    names = layer_names or []
    for i, lower in enumerate(mount.lower):
        title = names[i] if i < len(names) else f"layer {len(mount.lower) - i}"
        g.node(f"lower{i}", f"lowerdir (read-only): {title}\n{short_dir(lower)}\n{human(disk_usage(lower))}",
               fillcolor="#dbeafe", kind="lower")
        g.edge(f"lower{i}", "merged")
    if image:
        g.node("image", f"image {image}", shape="folder", fillcolor="#e9d5ff", kind="image")
        for i in range(len(mount.lower)):
            g.edge("image", f"lower{i}", style="dotted", arrowhead="none")
    return g
