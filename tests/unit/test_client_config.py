"""Flags -> the create body (docker/cli opts.go's parsing): sizes, CPUs, ports, env, capabilities, volumes."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from minidocker.client import config as cfg
from minidocker.client.commands.run import build_body, run_args


@pytest.mark.parametrize("text, value", [("64m", 64 * 2**20), ("1g", 2**30), ("512k", 512 * 1024), ("100", 100),
                                         ("1.5G", int(1.5 * 2**30)), ("32MB", 32 * 2**20), ("2mib", 2 * 2**20)])
def test_ram_in_bytes(text: str, value: int) -> None:
    assert cfg.ram_in_bytes(text) == value


def test_bad_sizes_and_cpus_are_refused() -> None:
    with pytest.raises(ValueError):
        cfg.ram_in_bytes("lots")
    with pytest.raises(ValueError, match="--cpus"):
        cfg.nano_cpus("two")
    assert cfg.nano_cpus("1.5") == 1_500_000_000


@pytest.mark.parametrize("spec, key, binding", [
    ("80", "80/tcp", {"HostIp": "", "HostPort": ""}),
    ("8080:80", "80/tcp", {"HostIp": "", "HostPort": "8080"}),
    ("127.0.0.1:8080:80/udp", "80/udp", {"HostIp": "127.0.0.1", "HostPort": "8080"}),
    ("127.0.0.1::80", "80/tcp", {"HostIp": "127.0.0.1", "HostPort": ""}),
    ("[::1]:8080:80", "80/tcp", {"HostIp": "::1", "HostPort": "8080"}),
])
def test_ports(spec: str, key: str, binding: dict) -> None:
    assert cfg.parse_port(spec) == (key, binding)


def test_bad_port_is_refused() -> None:
    with pytest.raises(ValueError):
        cfg.parse_port("80:http")


def test_env_files_then_flags_and_bare_names_from_our_environment(tmp_path: Path, monkeypatch) -> None:
    f = tmp_path / "env"
    f.write_text("# comment\n\nFROM_FILE=1\nBARE_SET\n")
    monkeypatch.setenv("BARE_SET", "yes")
    monkeypatch.delenv("BARE_UNSET", raising=False)
    assert cfg.parse_env(["A=b=c", "BARE_UNSET"], [str(f)]) == ["FROM_FILE=1", "BARE_SET=yes", "A=b=c"]


def _body(argv: list[str]) -> dict:
    p = argparse.ArgumentParser(add_help=False, conflict_handler="resolve")
    run_args(p)
    a = p.parse_args(argv)
    return build_body(a, attach=not a.detach)


def test_run_flags_fill_the_fields_the_docker_cli_fills() -> None:
    body = _body(["-d", "--name", "x", "-v", "/h:/c:ro", "-v", "named:/n", "-v", "/anon", "-w", "/w", "-u", "1000",
                  "--entrypoint", "sh", "-h", "hn", "--cpus", "0.5", "--pids-limit", "20", "--network", "none",
                  "--read-only", "--cap-add", "net_admin", "--cap-drop", "ALL", "--runtime", "runc", "-l", "a=b",
                  "busybox", "-c", "echo hi"])
    hc = body["HostConfig"]
    assert body["Cmd"] == ["-c", "echo hi"] and body["Entrypoint"] == ["sh"]
    assert hc["Binds"] == ["/h:/c:ro", "named:/n"] and body["Volumes"] == {"/anon": {}}
    assert (body["WorkingDir"], body["User"], body["Hostname"]) == ("/w", "1000", "hn")
    assert hc["NanoCpus"] == 500_000_000 and hc["PidsLimit"] == 20 and hc["ReadonlyRootfs"] is True
    assert hc["CapAdd"] == ["CAP_NET_ADMIN"] and hc["CapDrop"] == ["ALL"] and hc["Runtime"] == "runc"
    assert hc["NetworkMode"] == "none" and body["NetworkingConfig"] == {"EndpointsConfig": {}}
    assert body["Labels"] == {"a": "b"} and body["Env"] is None


def test_interactive_run_attaches_stdin_once() -> None:
    body = _body(["-i", "--rm", "busybox", "cat"])
    assert body["OpenStdin"] and body["StdinOnce"] and body["AttachStdin"]
    assert body["HostConfig"]["AutoRemove"] is True
    assert "default" in body["NetworkingConfig"]["EndpointsConfig"]


def test_relative_bind_sources_are_made_absolute(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    body = _body(["-v", "./data:/data:ro", "-v", "../up:/up", "busybox"])
    assert body["HostConfig"]["Binds"] == [f"{tmp_path}/data:/data:ro", f"{tmp_path.parent}/up:/up"]


def test_mount_tmpfs_and_other_host_fields() -> None:
    body = _body(["--mount", "type=bind,source=/h,target=/c,readonly", "--mount", "type=tmpfs,dst=/t,tmpfs-size=1m",
                  "--mount", "source=vol,target=/v", "--tmpfs", "/run:rw,size=64m", "--shm-size", "128m",
                  "--stop-signal", "SIGINT", "--stop-timeout", "3", "--add-host", "db:10.0.0.5", "--dns", "1.1.1.1",
                  "-P", "busybox"])
    hc = body["HostConfig"]
    assert hc["Mounts"] == [{"Type": "bind", "Source": "/h", "Target": "/c", "ReadOnly": True},
                            {"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"SizeBytes": 1024 * 1024}},
                            {"Type": "volume", "Source": "vol", "Target": "/v"}]
    assert hc["Tmpfs"] == {"/run": "rw,size=64m"} and hc["ShmSize"] == 128 * 2**20
    assert hc["ExtraHosts"] == ["db:10.0.0.5"] and hc["Dns"] == ["1.1.1.1"] and hc["PublishAllPorts"] is True
    assert body["StopSignal"] == "SIGINT" and body["StopTimeout"] == 3


def test_bad_mount_is_refused() -> None:
    with pytest.raises(ValueError, match="target is required"):
        cfg.parse_mount("type=bind,source=/h")
    with pytest.raises(ValueError, match="unexpected key"):
        cfg.parse_mount("target=/x,colour=blue")
