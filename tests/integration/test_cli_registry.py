"""push and pull through the minidocker CLI with the course's registry on loopback, side by side with the docker CLI."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture

pytestmark = pytest.mark.root


@pytest.fixture
def registry(tmp_path: Path):
    from minidocker.registry.server import RegistryServer

    server = RegistryServer(("127.0.0.1", 0), tmp_path / "registry")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_push_prints_dockers_stream_and_pull_brings_it_back(engine, registry: str) -> None:
    ref = f"{registry}/cli-box:v1"
    assert engine.cli("tag", "busybox", ref).returncode == 0
    pushed = engine.cli("push", ref)
    assert pushed.returncode == 0, pushed.stderr
    lines = pushed.stdout.splitlines()
    assert lines[0] == f"The push refers to repository [{registry}/cli-box]"
    assert lines[-1].startswith("v1: digest: sha256:") and " size: " in lines[-1]
    again = engine.docker("push", ref)  # the same daemon, the real CLI: same shape
    assert again.stdout.splitlines()[0] == lines[0] and again.stdout.splitlines()[-1] == lines[-1]
    assert engine.cli("rmi", ref).returncode == 0
    pulled = engine.cli("pull", ref)
    if pulled.returncode != 0 and "no registry client" in pulled.stderr:
        pytest.skip(f"the engine cannot pull yet: {pulled.stderr.strip()}")
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout.splitlines()[-1] == ref
    assert f"Status: Downloaded newer image for {ref}" in pulled.stdout or "Image is up to date" in pulled.stdout
    assert engine.cli("run", "--rm", ref, "echo", "pulled").stdout == "pulled\n"
    engine.cli("rmi", ref)


def test_pull_of_a_missing_image_fails_with_the_daemon_message(engine, registry: str) -> None:
    res = engine.cli("pull", f"{registry}/nothing-here:1")
    assert res.returncode == 1 and res.stderr.startswith("Error response from daemon:")


def test_login_stores_credentials_and_logout_removes_them(engine, registry: str, tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    env = dict(engine.env, MINIDOCKER_CONFIG=str(tmp_path / "cfg"))

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "minidocker.client.cli", *args], env=env, input=stdin,
                              capture_output=True, text=True, timeout=60)

    res = cli("login", "-u", "learner", "--password-stdin", registry, stdin="s3cret\n")
    assert (res.returncode, res.stdout) == (0, "Login Succeeded\n"), res.stderr
    config = tmp_path / "cfg" / "config.json"
    assert json.loads(config.read_text())["auths"][registry]["auth"] == "bGVhcm5lcjpzM2NyZXQ="  # learner:s3cret
    assert oct(os.stat(config).st_mode & 0o777) == "0o600"
    assert cli("logout", registry).stdout == f"Removing login credentials for {registry}\n"
    assert registry not in json.loads(config.read_text())["auths"]
