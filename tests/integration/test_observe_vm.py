"""observe.vm boots a real qemu VM whose kernel is not the host's."""

from __future__ import annotations

import platform

import pytest

from minidocker.observe import vm


@pytest.mark.slow
def test_vm_boots_its_own_kernel():
    reason = vm.available()
    if reason:
        pytest.skip(reason)
    result = vm.boot(timeout=30)
    assert result.release
    assert result.release in result.kernel_image  # /boot/vmlinuz-<release>
    assert result.release != platform.release()
    assert 0 < result.seconds < 30


def test_initramfs_is_newc_cpio_with_init_and_console():
    if vm.available():
        pytest.skip(vm.available())
    data = vm.initramfs()
    assert data.startswith(b"070701") and len(data) % 512 == 0
    for name in (b"init\0", b"bin/busybox\0", b"dev/console\0", b"TRAILER!!!\0"):
        assert name in data
    assert vm.MARK.encode() in data
