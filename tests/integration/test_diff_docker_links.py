"""Differential tests of legacy --link on the default bridge: /etc/hosts entries and link variables as
dockerd 20.10 writes them, and its refusals.

Links need a default bridge, which the shared differential fixture's dockerd runs without: this module
starts its own real dockerd on a bridge made for it (removed afterwards). Addresses differ between the
two engines and are compared as placeholders.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

from diff_docker_fixture import Pair, RealDockerd, norm
from engine_fixture import Engine

pytestmark = pytest.mark.root


class BridgedDockerd(RealDockerd):
    """The real dockerd with a default bridge of its own (a private name and subnet, no iptables)."""

    def __init__(self) -> None:
        super().__init__()
        self.bridge = "mdl" + secrets.token_hex(4)
        self.subnet = f"10.231.{secrets.randbelow(200) + 20}"

    def start(self) -> "BridgedDockerd":
        subprocess.run(["ip", "link", "add", self.bridge, "type", "bridge"], check=True)
        subprocess.run(["ip", "addr", "add", f"{self.subnet}.1/24", "dev", self.bridge], check=True)
        subprocess.run(["ip", "link", "set", self.bridge, "up"], check=True)
        real_popen = subprocess.Popen

        def popen(argv, *a, **kw):  # the base class's command line, with our bridge instead of none
            argv = [f"--bridge={self.bridge}" if x == "--bridge=none" else x for x in argv]
            return real_popen(argv, *a, **kw)

        subprocess.Popen = popen
        try:
            return super().start()
        finally:
            subprocess.Popen = real_popen

    def teardown(self) -> None:
        try:
            super().teardown()
        finally:
            subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)


@pytest.fixture(scope="module")
def bridged(tmp_path_factory):
    if os.geteuid() != 0 or shutil.which("dockerd") is None:
        pytest.skip("needs root and the real dockerd")
    root = Path(tmp_path_factory.mktemp("links")) / "mdroot"
    root.mkdir()
    engine, real = Engine(root), BridgedDockerd()
    try:
        engine.start()
        real.start()
        tar = root / "busybox.tar"
        assert engine.docker("save", "-o", str(tar), "busybox").returncode == 0
        assert real.docker("load", "-i", str(tar)).returncode == 0
        yield Pair(engine, real)
    finally:
        try:
            real.teardown()
        finally:
            engine.teardown()


def ip_of(fn, name: str) -> str:
    return fn("inspect", "--format", "{{.NetworkSettings.Networks.bridge.IPAddress}}", name).stdout.strip()


def same(pair, *args: str, names: tuple[str, ...] = ()):
    """Both engines; each engine's addresses of `names` (and its own) replaced before comparing."""
    out = []
    for fn in (pair.real, pair.mini):
        res = fn(*args)
        text = res.stdout + "\n--stderr--\n" + res.stderr
        for name in names:
            ip = ip_of(fn, name)
            if ip:
                text = text.replace(ip, f"<{name}-ip>")
        text = re.sub(r"\b\d+\.\d+\.\d+\.\d+\b", "<other-ip>", text)
        out.append((res.returncode, norm(text)))
    assert out[1] == out[0], out
    return out


def test_link_hosts_and_variables(bridged):
    pair = bridged
    for fn in (pair.real, pair.mini):
        assert fn("run", "-d", "--name", "db", "--expose", "5432", "--expose", "8000-8002/tcp", "-e", "SECRET=s3",
                  "-e", "PATH=/x", "busybox", "/bin/sleep", "300").returncode == 0
    same(pair, "run", "--rm", "--name", "lk1", "--link", "db", "busybox", "sh", "-c", "env | grep ^DB_ | sort",
         names=("db",))
    same(pair, "run", "--rm", "--name", "lk2", "--link", "db:data-base", "-e", "DATA_BASE_NAME=mine", "busybox", "sh", "-c",
         "env | grep ^DATA_BASE_ | sort", names=("db",))
    same(pair, "run", "--rm", "--link", "db:alias", "--add-host", "extra:10.9.9.9", "-h", "me", "busybox",
         "cat", "/etc/hosts", names=("db",))
    same(pair, "create", "--name", "web", "--link", "db:dbalias", "busybox", "true")
    same(pair, "inspect", "--format", "{{.HostConfig.Links}}", "web")
    same(pair, "stop", "-t", "0", "db")
    same(pair, "start", "web")  # the linked container is not running
    same(pair, "run", "--rm", "--link", "nosuch", "busybox", "true")
    same(pair, "run", "--rm", "--network", "host", "--link", "db", "busybox", "true")
    same(pair, "rm", "-f", "web", "db")
