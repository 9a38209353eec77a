"""Beyond Docker: the real containerd (Debian's 1.6, `ctr`) pulls an image minidocker built and pushed to the course registry, and runs it.

The same pull a Kubernetes node's containerd makes. containerd runs here only for the test
(observe/real_containerd.py: its own root, state, sockets, namespace and cgroup parent, no CRI), and
is stopped with its shims, mounts, cgroups and runc state afterwards, even when the test failed.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from engine_fixture import engine  # noqa: F401 - the module-scoped engine fixture
from minidocker.observe import real_containerd
from minidocker.registry.process import serve_in_background

pytestmark = [pytest.mark.root, pytest.mark.skipif(not real_containerd.available(),
                                                   reason="containerd and ctr come with docker.io (set-up)")]


@pytest.fixture
def ctr():
    real = real_containerd.start()
    try:
        yield real
    finally:
        real.stop()


def test_containerd_pulls_what_minidocker_built_and_pushed_and_runs_it(engine, ctr, tmp_path):
    registry = serve_in_background(tmp_path / "registry")
    try:
        context = tmp_path / "context"
        context.mkdir()
        (context / "Dockerfile").write_text('FROM busybox\nRUN echo "built by minidocker" > /greeting\n'
                                            'CMD ["cat", "/greeting"]\n')
        ref = f"{registry.address}/course/greeting:1"
        built = engine.cli("build", "-t", ref, str(context), timeout=180)
        assert built.returncode == 0, built.stderr
        pushed = engine.cli("push", ref)
        assert pushed.returncode == 0, pushed.stderr
        digest = pushed.stdout.splitlines()[-1].split("digest: ")[1].split()[0]

        assert ctr.pull(ref) == digest  # `ctr images pull --plain-http`: the manifest minidocker pushed
        assert ctr.run(ref, "greeting") == "built by minidocker\n"  # its own CMD, from the config minidocker wrote

        again = f"{registry.address}/course/greeting-from-containerd:1"  # and containerd's push path back
        assert ctr.ctr("images", "tag", ref, again).returncode == 0
        push = ctr.ctr("images", "push", "--plain-http", again)
        assert push.returncode == 0, push.stderr
        with urllib.request.urlopen(f"{registry.url}/v2/course/greeting-from-containerd/manifests/1", timeout=10) as resp:
            assert resp.headers["Docker-Content-Digest"] == digest  # the same bytes: the same image
        ctr.stop()  # and stopping it leaves nothing of it behind
        assert ctr.proc.poll() is not None and not ctr.base.exists()
        assert not any(str(ctr.base) in line for line in Path("/proc/self/mountinfo").read_text().splitlines())
        assert not any((c / ctr.cgroup_parent).exists() for c in Path("/sys/fs/cgroup").iterdir())
        assert not (Path("/run/containerd/runc") / ctr.namespace).exists()
    finally:
        registry.stop()
