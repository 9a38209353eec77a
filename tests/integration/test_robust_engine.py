"""Issue 9 point 6: what broke the engine for every client (deep trees, corrupt records, bad bodies, ...) now cannot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine
from minidocker.linux.removeall import remove_all

pytestmark = pytest.mark.root

DEEP = "i=0; while [ $i -lt 1200 ]; do mkdir a && cd a || exit 1; i=$((i+1)); done; echo made"


def snapshot_dirs(engine) -> list[str]:
    return os.listdir(engine.root / "lib" / "containerd" / "snapshots" / "overlayfs" / "snapshots")


def test_rm_of_a_container_with_a_1200_level_deep_directory_leaves_nothing(engine):
    assert engine.cli("run", "--rm", "busybox", "true").returncode == 0  # the image's layers unpacked
    before = snapshot_dirs(engine)
    out = engine.cli("run", "--name", "deep", "busybox", "sh", "-c", DEEP, timeout=120)
    assert out.returncode == 0 and "made" in out.stdout, out.stderr
    assert len(snapshot_dirs(engine)) == len(before) + 1
    rm = engine.cli("rm", "deep")
    assert rm.returncode == 0, rm.stderr + engine.logs()
    assert sorted(snapshot_dirs(engine)) == sorted(before)
    assert not [n for n in snapshot_dirs(engine) if n.startswith("rm-")]


def test_course_reset_removes_a_root_holding_a_deep_tree(tmp_path):
    root = tmp_path / "course" / "chdeep"
    d = root / "lib" / "x"
    d.mkdir(parents=True)
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(1200):
        os.mkdir("a", dir_fd=fd)
        nfd = os.open("a", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    os.close(fd)
    try:
        out = subprocess.run([sys.executable, "-m", "minidocker.course", "reset", str(root.parent)],
                             capture_output=True, text=True, timeout=120)
    finally:
        remove_all(root)  # pytest's clean-up of old temp dirs would trip on it
    assert out.returncode == 0, out.stderr
    assert not root.exists()


def request(engine, method: str, path: str, body: object = None) -> tuple[int, str]:
    """One raw request on the engine's socket: (status, body text); chunked bodies are joined."""
    import json
    import socket

    data = b"" if body is None else json.dumps(body).encode()
    s = socket.socket(socket.AF_UNIX)
    s.connect(str(engine.socket))
    try:
        s.sendall(f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
        raw = b""
        while chunk := s.recv(65536):
            raw += chunk
    finally:
        s.close()
    head, _, rest = raw.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        out = b""
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size, 16)
            if n == 0:
                break
            out, rest = out + rest[:n], rest[n + 2:]
        rest = out
    return int(head.split()[1]), rest.decode(errors="replace")


def test_a_create_body_with_wrong_types_is_refused_and_saves_nothing(engine):
    before = sorted(os.listdir(engine.root / "lib" / "containers"))
    status, text = request(engine, "POST", "/v1.41/containers/create?name=badlabels",
                           {"Image": "busybox", "Labels": [1]})
    assert status == 400, text
    assert "cannot unmarshal array into Go struct field ContainerConfigWrapper.Labels of type map[string]string" in text
    assert sorted(os.listdir(engine.root / "lib" / "containers")) == before
    ps = engine.docker("ps", "-a")
    assert ps.returncode == 0, ps.stderr
    assert "badlabels" not in ps.stdout


def test_a_corrupt_record_on_disk_does_not_break_ps_after_a_restart(engine):
    out = engine.cli("create", "--name", "victim", "busybox", "true")
    assert out.returncode == 0, out.stderr
    cid = out.stdout.strip()
    engine.cli("create", "--name", "healthy", "busybox", "true")
    record = engine.root / "lib" / "containers" / cid / "config.v2.json"
    import json

    doc = json.loads(record.read_text())
    doc["Config"]["Labels"] = [1]  # what the old daemon saved for {"Labels":[1]}
    record.write_text(json.dumps(doc))
    engine.restart_daemons()
    ps = engine.docker("ps", "-a", "--format", "{{.Names}}")
    assert ps.returncode == 0, ps.stderr + engine.logs()
    assert "healthy" in ps.stdout.split() and "victim" not in ps.stdout.split()
    assert engine.cli("rm", "healthy").returncode == 0


def test_host_port_out_of_range_is_refused_at_create_in_dockerds_words(engine):
    status, text = request(engine, "POST", "/v1.41/containers/create", {
        "Image": "busybox", "HostConfig": {"PortBindings": {"80/tcp": [{"HostPort": "99999"}]}}})
    assert (status, text.strip()) == (400, '{"message": "invalid port specification: \\"99999\\""}')


@pytest.mark.parametrize("version", ["v0.1", "v1.11"])
def test_api_versions_below_1_12_are_refused_as_dockerd_does(engine, version):
    status, text = request(engine, "GET", f"/{version}/version")
    assert status == 400
    assert text == (f"client version {version[1:]} is too old. Minimum supported API version is 1.12, "
                    "please upgrade your client to a newer version\n")
    assert request(engine, "GET", "/v1.12/_ping") == (200, "OK")


def test_read_only_root_makes_the_etc_files_read_only_too(engine):
    script = "for f in hosts hostname resolv.conf; do echo x >> /etc/$f && echo wrote-$f; done; true"
    ro = engine.cli("run", "--rm", "--read-only", "busybox", "sh", "-c", script)
    assert ro.returncode == 0, ro.stderr
    assert "wrote" not in ro.stdout
    assert ro.stderr.count("Read-only file system") == 3, ro.stderr
    rw = engine.cli("run", "--rm", "busybox", "sh", "-c", script)
    assert rw.stdout.split() == ["wrote-hosts", "wrote-hostname", "wrote-resolv.conf"], rw.stderr


def test_a_bridge_name_option_is_refused_clearly_not_ignored(engine):
    out = engine.docker("network", "create", "-o", "com.docker.network.bridge.name=robust-br0", "robustnet")
    assert out.returncode != 0
    assert "com.docker.network.bridge.name=robust-br0 is not supported" in out.stderr
    assert subprocess.run(["ip", "link", "show", "robust-br0"], capture_output=True).returncode != 0
    assert "robustnet" not in engine.docker("network", "ls", "--format", "{{.Name}}").stdout.split()
    ok = engine.docker("network", "create", "-o", "com.docker.network.driver.mtu=1500", "robustnet")
    assert ok.returncode == 0, ok.stderr
    assert engine.docker("network", "rm", "robustnet").returncode == 0


def test_cp_of_a_file_over_the_in_memory_body_limit_reaches_the_container(engine, tmp_path):
    """A PUT /archive body larger than 1 MiB is spooled to disk by the server: it must arrive whole."""
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 << 20))
    assert engine.cli("create", "--name", "cpbig", "busybox", "true").returncode == 0
    try:
        out = engine.cli("cp", str(big), "cpbig:/big.bin")
        assert out.returncode == 0, out.stderr
        back = tmp_path / "back.bin"
        out = engine.cli("cp", "cpbig:/big.bin", str(back))
        assert out.returncode == 0, out.stderr
        assert back.read_bytes() == big.read_bytes()
    finally:
        engine.cli("rm", "-f", "cpbig")
