"""Host side of scripts/test-cgroup2-vm.sh: boot Debian's standard kernel under qemu (TCG) with this machine's
root shared read-only (9p, `-virtfs`) under a tmpfs overlay, and run scripts/cgroup2_vm_guest.sh in it.

The initramfs (built with minidocker.observe.vm, as chapter 03's VM) holds busybox-static, the few modules
needed to reach the root (virtio-pci, 9p, overlay; their dependencies read from modinfo) and an /init that
mounts the share, lays a tmpfs over it and switch_roots into the guest script. The kernel command line
carries `cgroup_no_v1=all`, so cgroup v2 is the only hierarchy the guest can mount.

    python scripts/cgroup2_vm.py [--timeout SECONDS] [--memory MB]
The console goes to stdout as it comes; the exit status is the guest's (1 when it never said).
"""

from __future__ import annotations

import argparse
import glob
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from minidocker.observe import vm  # noqa: E402 - after the path of this checkout

sys.path.insert(0, str(REPO / "scripts"))
import cgroup2_vm_checks as checks  # noqa: E402 - the guest's checks, for their names

ROOT_MODULES = ("virtio_pci", "9pnet_virtio", "9p", "overlay")
RESULT = re.compile(r"CGROUP2-VM-EXIT=(\d+)")
INIT = """#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /lower /rw /newroot
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in {modules}; do /bin/busybox insmod /modules/$m.ko || echo "insmod $m failed"; done
/bin/busybox mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower || exec /bin/busybox sh
/bin/busybox mount -t tmpfs -o size={tmpfs_mb}m,mode=0755 rw /rw
/bin/busybox mkdir -p /rw/upper /rw/work
/bin/busybox mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot || exec /bin/busybox sh
/bin/busybox mount --move /dev /newroot/dev
/bin/busybox umount /proc /sys
exec /bin/busybox switch_root /newroot /bin/sh {guest}
"""


def kernel() -> tuple[str, str]:
    """Debian's standard kernel (linux-image-amd64, which has 9p; the cloud kernel has not): image, release."""
    found = sorted(p for p in glob.glob("/boot/vmlinuz-*-amd64") if "cloud" not in p)
    if not found:
        raise vm.VMUnavailable("no standard kernel in /boot (scripts/setup.sh installs linux-image-amd64)")
    return found[-1], found[-1].split("vmlinuz-", 1)[1]


def _modinfo(release: str, field: str, module: str) -> str:
    flag = ["-n"] if field == "filename" else ["-F", field]
    return subprocess.run(["modinfo", "-k", release, *flag, module], capture_output=True, text=True,
                          check=True).stdout.strip()


def modules(release: str, wanted=ROOT_MODULES) -> list[tuple[str, Path]]:
    """The modules and their dependencies, dependencies first: (name, file)."""
    order: list[tuple[str, Path]] = []

    def visit(name: str) -> None:
        if any(n == name for n, _ in order):
            return
        for dep in filter(None, _modinfo(release, "depends", name).split(",")):
            visit(dep)
        order.append((name, Path(_modinfo(release, "filename", name))))

    for name in wanted:
        visit(name)
    return order


def initrd(release: str, guest: str, tmpfs_mb: int) -> bytes:
    mods = modules(release)
    extra = [("modules", 0o040755, b"", (0, 0))]
    extra += [(f"modules/{name}.ko", 0o100644, path.read_bytes(), (0, 0)) for name, path in mods]
    init = INIT.format(modules=" ".join(n for n, _ in mods), tmpfs_mb=tmpfs_mb, guest=guest)
    return vm.initramfs(init=init, extra=extra)


def boot(timeout: float, memory_mb: int, cpus: int, checks: list[str]) -> int:
    image, release = kernel()
    guest = REPO / "scripts" / "cgroup2_vm_guest.sh"
    with tempfile.TemporaryDirectory(prefix="minidocker-cgroup2-vm-") as tmp:
        rd = Path(tmp) / "initrd.cpio"
        rd.write_bytes(initrd(release, str(guest), tmpfs_mb=memory_mb // 2))
        append = ("console=ttyS0 panic=-1 rdinit=/init cgroup_no_v1=all loglevel=4 "
                  f"minidocker_repo={REPO} minidocker_checks={','.join(checks)}")  # unknown key=value parameters reach init as its environment
        cmd = [vm.QEMU, "-accel", "tcg", "-cpu", "max", "-smp", str(cpus), "-m", str(memory_mb),
               "-nographic", "-no-reboot", "-nodefaults", "-serial", "stdio", "-kernel", image, "-initrd", str(rd),
               "-append", append,
               "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"]
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        watchdog = threading.Timer(timeout, proc.kill)  # a guest that hangs silently still ends
        watchdog.start()
        code = None
        try:
            for raw in iter(proc.stdout.readline, b""):
                line = raw.decode(errors="replace")
                sys.stdout.write(line)
                sys.stdout.flush()
                found = RESULT.search(line)
                if found:
                    code = int(found.group(1))
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        if code is None and time.monotonic() - start >= timeout:
            print(f"cgroup2-vm: no result within {timeout:.0f}s: qemu killed", flush=True)
        print(f"cgroup2-vm: qemu ran {time.monotonic() - start:.0f}s", flush=True)
    return 1 if code is None else code


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--timeout", type=float, default=600.0)
    p.add_argument("--memory", type=int, default=2048, help="guest memory in MB (half of it is the tmpfs root)")
    p.add_argument("--cpus", type=int, default=2)
    p.add_argument("checks", nargs="*", help="only these checks (default: all)")
    a = p.parse_args()
    known = [name for name, _ in checks.CHECKS]
    unknown = [c for c in a.checks if c not in known]
    if unknown:
        print(f"cgroup2-vm: no check named {', '.join(unknown)} (the checks: {' '.join(known)})", file=sys.stderr)
        return 2
    try:
        return boot(a.timeout, a.memory, a.cpus, a.checks)
    except vm.VMUnavailable as err:
        print(f"cgroup2-vm: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
