"""pull, push, search and login through minidockerd, from the real docker CLI and from minidocker, against the course registry."""

import json

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture
from minidocker.registry.process import serve_in_background

pytestmark = pytest.mark.root


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    running = serve_in_background(tmp_path_factory.mktemp("registry"))
    yield running
    running.stop()


def test_docker_cli_push_search_pull_through_minidockerd(engine, registry):
    name = f"{registry.address}/course/box"
    assert engine.docker("tag", "busybox", f"{name}:v1").returncode == 0
    push = engine.docker("push", f"{name}:v1")
    assert push.returncode == 0, push.stderr
    assert f"The push refers to repository [{name}]" in push.stdout and "v1: digest: sha256:" in push.stdout
    digest = push.stdout.split("digest: ")[1].split()[0]
    search = engine.docker("search", f"{registry.address}/box")
    assert search.returncode == 0, search.stderr
    assert f"{registry.address}/course/box" in search.stdout.splitlines()[1]
    assert engine.docker("rmi", f"{name}:v1").returncode == 0
    pull = engine.docker("pull", f"{name}:v1")
    assert pull.returncode == 0, pull.stderr
    assert f"Digest: {digest}" in pull.stdout and pull.stdout.strip().endswith(f"{name}:v1")
    by_digest = engine.docker("pull", f"{name}@{digest}")
    assert by_digest.returncode == 0, by_digest.stderr
    run = engine.docker("run", "--rm", "--network", "none", f"{name}@{digest}", "echo", "from the registry")
    assert run.stdout == "from the registry\n"


def test_minidocker_pull_of_a_missing_tag_and_an_unreachable_registry(engine, registry):
    missing = engine.cli("pull", f"{registry.address}/course/nothing:v9")
    assert missing.returncode == 1 and "not found" in missing.stderr
    nowhere = engine.cli("pull", "127.0.0.1:9/x:y")  # nothing listens on port 9
    assert nowhere.returncode == 1 and "Error response from daemon" in nowhere.stderr
    assert len(nowhere.stderr.strip().splitlines()) == 1


def test_a_mirror_in_daemon_json_serves_docker_hub_names(engine, registry):
    assert engine.cli("tag", "busybox", f"{registry.address}/library/busybox:mirror").returncode == 0
    assert engine.cli("push", f"{registry.address}/library/busybox:mirror").returncode == 0
    (engine.root / "lib" / "daemon.json").write_text(json.dumps({"registry-mirrors": [registry.url]}))
    try:
        pull = engine.docker("pull", "busybox:mirror")
        assert pull.returncode == 0, pull.stderr
        assert "docker.io/library/busybox:mirror" in pull.stdout
    finally:
        (engine.root / "lib" / "daemon.json").unlink()


def test_docker_login_against_a_registry_with_token_auth(engine, tmp_path):
    import subprocess
    import sys
    import time
    import urllib.request

    from minidocker.registry.process import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "minidocker.registry", "serve", "--listen", f"127.0.0.1:{port}",
                             "--root", str(tmp_path / "r"), "--auth", "token", "--user", "alice:secret"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/token", timeout=1)
            except urllib.error.HTTPError:
                break  # answering (401 without credentials)
            except OSError:
                assert time.monotonic() < deadline, "the registry did not start"
                time.sleep(0.05)
        bad = engine.docker("login", "-u", "alice", "--password-stdin", f"127.0.0.1:{port}", input="wrong\n")
        assert bad.returncode == 1 and "401" in bad.stderr
        good = engine.docker("login", "-u", "alice", "--password-stdin", f"127.0.0.1:{port}", input="secret\n")
        assert good.returncode == 0 and "Login Succeeded" in good.stdout
        assert engine.docker("tag", "busybox", f"127.0.0.1:{port}/private/box:1").returncode == 0
        push = engine.docker("push", f"127.0.0.1:{port}/private/box:1")
        assert push.returncode == 0, push.stderr
    finally:
        proc.kill()
        proc.wait()
