"""Boot a real virtual machine with qemu: its own kernel, its own init, timed (cf. the hypervisor/VMM of source §1.4.2).

The guest is the Debian cloud kernel from /boot and a tiny initramfs built here from busybox-static:
/init prints `uname -r` between markers and powers the machine off. TCG (software emulation) is used
because KVM hangs on these machines; the point is the separate kernel, not the speed of KVM.
"""

from __future__ import annotations

import glob
import io
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

QEMU = "qemu-system-x86_64"
BUSYBOX = "/usr/bin/busybox"
MARK = "MINIDOCKER-VM-UNAME"
INIT = f"""#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "{MARK}=$(/bin/busybox uname -r)"
/bin/busybox poweroff -f
"""


@dataclass
class VMBoot:
    """What one boot measured: the guest kernel's release and the wall time from exec to power-off."""

    kernel_image: str
    release: str
    seconds: float
    accel: str


class VMUnavailable(RuntimeError):
    """qemu, a kernel image or busybox-static is missing: say which, never fake a boot."""


def kernel_image() -> str:
    """The newest Debian cloud kernel in /boot (package linux-image-cloud-amd64)."""
    found = sorted(glob.glob("/boot/vmlinuz-*-cloud-amd64")) or sorted(glob.glob("/boot/vmlinuz-*"))
    if not found:
        raise VMUnavailable("no kernel image in /boot (install linux-image-cloud-amd64)")
    return found[-1]


def _cpio_entry(out: io.BytesIO, ino: int, name: str, mode: int, data: bytes = b"", rdev: tuple[int, int] = (0, 0)) -> None:
    """One 'newc' cpio record (the initramfs format, see the kernel's early-userspace docs)."""
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    out.write(b"070701" + b"".join(b"%08X" % f for f in fields) + name.encode() + b"\0")
    out.write(b"\0" * (-out.tell() % 4))
    out.write(data)
    out.write(b"\0" * (-out.tell() % 4))


def cpio(entries: list[tuple[str, int, bytes, tuple[int, int]]]) -> bytes:
    """An uncompressed 'newc' archive of (name, mode, data, (rdev major, minor)) entries, in order."""
    out = io.BytesIO()
    for ino, (name, mode, data, rdev) in enumerate(entries, start=1):
        _cpio_entry(out, ino, name, mode, data, rdev)
    _cpio_entry(out, 0, "TRAILER!!!", 0)
    out.write(b"\0" * (-out.tell() % 512))
    return out.getvalue()


def initramfs(busybox: str = BUSYBOX, init: str = INIT,
              extra: list[tuple[str, int, bytes, tuple[int, int]]] = ()) -> bytes:
    """An uncompressed initramfs: /init, /bin/busybox, /proc and a /dev/console node (no root needed),
    and any extra entries (kernel modules, say)."""
    if not Path(busybox).exists():
        raise VMUnavailable(f"{busybox} missing (install busybox-static)")
    entries = [
        ("dev", 0o040755, b"", (0, 0)), ("dev/console", 0o020600, b"", (5, 1)),
        ("proc", 0o040755, b"", (0, 0)), ("bin", 0o040755, b"", (0, 0)),
        ("bin/busybox", 0o100755, Path(busybox).read_bytes(), (0, 0)),
        ("init", 0o100755, init.encode(), (0, 0)),
    ]
    return cpio(entries + list(extra))


def available() -> str | None:
    """None if a VM can be booted here, else the reason it cannot."""
    if shutil.which(QEMU) is None:
        return f"{QEMU} is not installed (apt-get install qemu-system-x86)"
    try:
        kernel_image()
    except VMUnavailable as exc:
        return str(exc)
    if not Path(BUSYBOX).exists():
        return f"{BUSYBOX} is missing (apt-get install busybox-static)"
    return None


def boot(timeout: float = 60.0, memory_mb: int = 256) -> VMBoot:
    """Boot the VM once and return its kernel release and boot time (raises VMUnavailable / RuntimeError)."""
    reason = available()
    if reason:
        raise VMUnavailable(reason)
    kernel = kernel_image()
    with tempfile.TemporaryDirectory(prefix="minidocker-vm-") as tmp:
        initrd = Path(tmp) / "initramfs.cpio"
        initrd.write_bytes(initramfs())
        cmd = [QEMU, "-accel", "tcg", "-m", str(memory_mb), "-nographic", "-no-reboot", "-nodefaults",
               "-serial", "stdio", "-kernel", kernel, "-initrd", str(initrd),
               "-append", "console=ttyS0 quiet panic=-1 rdinit=/init"]
        start = time.monotonic()
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"the VM did not power off within {timeout:.0f}s") from exc
        seconds = time.monotonic() - start
    text = proc.stdout.decode(errors="replace")
    found = re.search(MARK + r"=(\S+)", text)  # the console also carries terminal escapes
    if found:
        return VMBoot(kernel, found.group(1), seconds, "tcg")
    raise RuntimeError(f"the VM never printed its kernel release; console said: {text[-500:]!r}")
