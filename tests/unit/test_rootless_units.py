"""The rootless engine's pieces that need no kernel: subordinate id lookup and maps, the user's paths,
the slirp4netns port-forward client (against a fake API socket), refusals of limits without a cgroup."""

from __future__ import annotations

import json
import os
import pwd
import socket
import threading
from pathlib import Path

import pytest

from minidocker import course, paths, teach
from minidocker.errors import Conflict, Unsupported
from minidocker.oci.runtime import Resources
from minidocker.rootless import subids
from minidocker.runc import cgroups


def test_ranges_by_name_or_uid_in_file_order(tmp_path):
    me = pwd.getpwuid(os.getuid()).pw_name
    f = tmp_path / "subuid"
    f.write_text(f"other:100000:65536\n{me}:200000:65536\nbroken line\n{os.getuid()}:900000:10\n{me}:5:0\n{me}:x:1\n")
    assert subids.ranges(os.getuid(), f) == [(200000, 65536), (900000, 10)]
    assert subids.ranges(os.getuid(), tmp_path / "missing") == []


def test_map_args_put_the_user_at_zero_and_ranges_after():
    assert subids.map_args(1001, [(200000, 65536), (900000, 10)]) == [
        "0", "1001", "1", "1", "200000", "65536", "65537", "900000", "10"]
    assert subids.map_args(1001, []) == ["0", "1001", "1"]


def test_rootless_paths(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.ENV_ROOT, raising=False)
    monkeypatch.setenv(paths.ENV_ROOTLESS, "4242")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    assert paths.state_dir() == tmp_path / ".local/share/minidocker"
    assert paths.run_dir() == Path("/tmp/minidocker-4242")
    assert paths.api_socket() == Path("/tmp/minidocker-4242/minidocker.sock")
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/4242")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert paths.run_dir() == Path("/run/user/4242/minidocker")
    assert paths.state_dir() == tmp_path / "data/minidocker"
    monkeypatch.delenv(course.ENV_COURSE_ROOT, raising=False)
    assert course.course_root() == tmp_path / "data/minidocker-course"
    monkeypatch.setenv(paths.ENV_ROOT, str(tmp_path / "r"))  # MINIDOCKER_ROOT still relocates everything
    assert paths.run_dir() == tmp_path / "r/run"


def test_limits_without_their_cgroup_are_refused():
    res = Resources({"memory": {"limit": 16 << 20}})
    with pytest.raises(Unsupported, match="rootless: cannot set linux.resources memory: no memory cgroup"):
        cgroups.refuse_missing({"pids": "/x", "cpu,cpuacct": "/y"}, res)
    cgroups.refuse_missing({"memory": "/m"}, res)  # delegated: accepted
    with pytest.raises(Unsupported, match="pids"):
        cgroups.refuse_missing({"memory": "/m"}, Resources({"pids": {"limit": 5}}))
    cgroups.refuse_missing({}, Resources({}))  # no limit: nothing needed


def test_root_only_says_what_is_skipped(capsys):
    if os.geteuid() == 0:
        assert teach.root_only("a qemu VM with /dev/kvm") is True
        assert capsys.readouterr().out == ""
    else:
        assert teach.root_only("a qemu VM with /dev/kvm") is False
        assert "skipped (needs root): a qemu VM with /dev/kvm" in capsys.readouterr().out


class FakeSlirp:
    """A unix socket answering slirp4netns's API as slirp4netns(1) documents it."""

    def __init__(self, path: Path, refuse: bool = False) -> None:
        self.requests: list[dict] = []
        self.refuse = refuse
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(str(path))
        self.sock.listen()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            data = b""
            while chunk := conn.recv(4096):
                data += chunk
            req = json.loads(data)
            self.requests.append(req)
            if self.refuse:
                answer = {"error": {"desc": "bad request: add_hostfwd: slirp_add_hostfwd failed"}}
            else:
                answer = {"return": {"id": len(self.requests)} if req["execute"] == "add_hostfwd" else {}}
            conn.sendall(json.dumps(answer).encode())
            conn.close()


def test_hostfwd_adds_and_removes_through_the_api(monkeypatch, tmp_path):
    from minidocker.dockerd.networks import hostfwd

    monkeypatch.setenv(paths.ENV_ROOT, str(tmp_path))
    monkeypatch.setenv(paths.ENV_ROOTLESS, "4242")
    (tmp_path / "run").mkdir()
    port = {"Proto": "tcp", "HostIp": "127.0.0.1", "HostPort": 8080}
    assert hostfwd.add(port) is None  # no slirp4netns socket: nothing to do
    fake = FakeSlirp(tmp_path / "run" / "slirp4netns.sock")
    assert hostfwd.add(port) == 1
    hostfwd.remove(1)
    assert fake.requests == [
        {"execute": "add_hostfwd", "arguments": {"proto": "tcp", "host_addr": "127.0.0.1", "host_port": 8080, "guest_port": 8080}},
        {"execute": "remove_hostfwd", "arguments": {"id": 1}}]
    fake.refuse = True
    with pytest.raises(Conflict, match="127.0.0.1:8080 failed: port is already allocated"):
        hostfwd.add(port)
    monkeypatch.delenv(paths.ENV_ROOTLESS)
    if os.geteuid() == 0:  # root's engine never forwards through slirp4netns
        assert hostfwd.add(port) is None
