"""Turning snapshotter mount options into mount(2) flags and data (no root needed)."""

from __future__ import annotations

from minidocker.linux import mount as m
from minidocker.linux.mountall import parse_options


def test_overlay_options_are_data_and_flags_are_flags():
    flags, prop, data = parse_options(["ro", "nosuid", "index=off", "workdir=/w", "upperdir=/u", "lowerdir=/a:/b"])
    assert flags == m.MS_RDONLY | m.MS_NOSUID and prop == 0
    assert data == "index=off,workdir=/w,upperdir=/u,lowerdir=/a:/b"


def test_rbind_and_rw_clearing_ro():
    flags, _, data = parse_options(["ro", "rw", "rbind"])
    assert flags == m.MS_BIND | m.MS_REC and data == ""
    assert parse_options(["bind"])[0] == m.MS_BIND


def test_propagation_is_separate():
    flags, prop, _ = parse_options(["rbind", "rprivate"])
    assert flags == m.MS_BIND | m.MS_REC and prop == m.MS_PRIVATE | m.MS_REC
