"""The real Docker engine (Debian's dockerd 20.10) pulls from the course registry and runs what it got.

dockerd runs here only for the test: its own data and exec roots, its own socket, no bridge and no
iptables rules, stopped and removed afterwards.
"""

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from minidocker import baseimage
from minidocker.dockerd.distribution.config import RegistryConfig
from minidocker.dockerd.distribution.push import Push
from minidocker.registry.process import serve_in_background
from tests.unit.images_fixtures import make_service

pytestmark = [pytest.mark.root, pytest.mark.skipif(shutil.which("dockerd") is None or shutil.which("docker") is None,
                                                   reason="docker.io is installed by the set-up")]


@pytest.fixture
def real_dockerd(tmp_path):
    base = Path("/tmp") / f"md-realdocker-{os.getpid()}-{tmp_path.name[-12:]}"  # short: unix socket paths are limited
    base.mkdir(parents=True)
    sock = base / "d.sock"
    proc = subprocess.Popen(["dockerd", "--data-root", str(base / "data"), "--exec-root", str(base / "exec"),
                             "-H", f"unix://{sock}", "--pidfile", str(base / "d.pid"), "--bridge=none",
                             "--iptables=false", "--ip-masq=false"],
                            stdout=subprocess.DEVNULL, stderr=open(base / "log", "wb"), start_new_session=True)
    env = dict(os.environ, DOCKER_CONFIG=str(base / "cfg"))
    env.pop("DOCKER_HOST", None)

    def docker(*args):
        return subprocess.run(["docker", "-H", f"unix://{sock}", *args], capture_output=True, text=True, env=env, timeout=120)

    try:
        deadline = time.monotonic() + 60
        while docker("version").returncode != 0:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("dockerd did not start: " + (base / "log").read_text()[-2000:])
            time.sleep(0.2)
        yield docker
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for line in reversed(Path("/proc/mounts").read_text().splitlines()):
            target = line.split()[1]
            if target.startswith(str(base)):
                subprocess.run(["umount", "-l", target], check=False)
        shutil.rmtree(base, ignore_errors=True)


def test_docker_pulls_from_the_course_registry_and_runs_the_image(tmp_path, real_dockerd):
    registry = serve_in_background(tmp_path / "registry")
    try:
        images, _ = make_service(tmp_path / "engine")
        rootfs = baseimage.make_rootfs(tmp_path / "rootfs")
        from minidocker.oci import image as oci

        desc = baseimage.write_image(images.content, rootfs)
        manifest = oci.Manifest.from_bytes(images.content.read_bytes(desc.digest))
        name = f"{registry.address}/library/busybox:course"
        images.register(images.content.read_bytes(manifest.config.digest), [l.to_dict() for l in manifest.layers], tags=[name])
        pushed = list(Push(images, name, config=RegistryConfig()))
        digest = pushed[-1]["aux"]["Digest"]

        pull = real_dockerd("pull", name)
        assert pull.returncode == 0, pull.stderr
        assert f"Digest: {digest}" in pull.stdout
        run = real_dockerd("run", "--rm", "--network", "none", name, "sh", "-c", "echo hello from $(uname -s)")
        assert run.returncode == 0, run.stderr
        assert run.stdout == "hello from Linux\n"

        # dockerd's push path: a new layer goes up by POST, chunked PATCH, PUT; the base layer is mounted
        made = real_dockerd("run", "--name", "layered", "--network", "none", name, "sh", "-c", "echo new > /new")
        assert made.returncode == 0, made.stderr
        again = f"{registry.address}/course/pushed-by-docker:1"
        assert real_dockerd("commit", "layered", again).returncode == 0
        push = real_dockerd("push", again)
        assert push.returncode == 0, push.stderr
        assert ": Pushed" in push.stdout and ": Mounted from library/busybox" in push.stdout
        pushed_digest = push.stdout.splitlines()[-1].split("digest: ")[1].split()[0]
        with urllib.request.urlopen(f"{registry.url}/v2/course/pushed-by-docker/manifests/1", timeout=10) as resp:
            assert resp.headers["Docker-Content-Digest"] == pushed_digest
    finally:
        registry.stop()
