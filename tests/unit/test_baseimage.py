"""The offline base image: busybox with every applet, users and groups, like Docker Hub's."""

import os
import subprocess

from minidocker import baseimage


def test_every_applet_is_a_hard_link_to_busybox(busybox_rootfs):
    target = os.stat(busybox_rootfs / "bin" / "busybox")
    names = baseimage.applets()
    assert "sh" in names and "ls" in names
    for name in names:
        assert os.stat(busybox_rootfs / "bin" / name).st_ino == target.st_ino, name


def test_users_groups_and_tmp(busybox_rootfs):
    passwd = (busybox_rootfs / "etc" / "passwd").read_text().splitlines()
    assert passwd[0].split(":")[:4] == ["root", "x", "0", "0"]
    assert any(line.startswith("nobody:x:65534:65534:") for line in passwd)
    assert "root:x:0:" in (busybox_rootfs / "etc" / "group").read_text()
    assert os.stat(busybox_rootfs / "tmp").st_mode & 0o7777 == 0o1777


def test_the_shell_runs_from_the_rootfs(busybox_rootfs):
    out = subprocess.run([str(busybox_rootfs / "bin" / "sh"), "-c", "echo $((6*7))"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(6 * 7)


def test_make_rootfs_leaves_nothing_half_written_on_failure(tmp_path):
    dest = tmp_path / "rootfs"
    try:
        baseimage.make_rootfs(dest, busybox=tmp_path / "missing-busybox")
    except FileNotFoundError as err:
        assert "busybox-static" in str(err)
    else:
        raise AssertionError("a missing busybox binary must be refused")
    assert not dest.exists() and not dest.with_name("rootfs.tmp").exists()
